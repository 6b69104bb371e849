package rmi

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/rosetta-adapter/rosetta/inputs/jmx/internal/javaser"
)

// JRMP message and return codes (sun.rmi.transport.TransportConstants).
const (
	jrmpMagic          = 0x4A524D49
	jrmpVersion        = 2
	jrmpStreamProtocol = 0x4B
	JRMPProtocolAck    = 0x4E
	jrmpProtocolNack   = 0x4F
	JRMPCall           = 0x50
	JRMPReturn         = 0x51
	JRMPPing           = 0x52
	JRMPPingAck        = 0x53
	JRMPDGCAck         = 0x54
	JRMPNormalReturn   = 1
	jrmpExcReturn      = 2
)

// UID is java.rmi.server.UID.
type UID struct {
	Unique int32
	Time   int64
	Count  int16
}

func (u UID) append(b []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(u.Unique))
	b = binary.BigEndian.AppendUint64(b, uint64(u.Time))
	return binary.BigEndian.AppendUint16(b, uint16(u.Count))
}

func parseUID(p []byte) UID {
	return UID{
		Unique: int32(binary.BigEndian.Uint32(p)),
		Time:   int64(binary.BigEndian.Uint64(p[4:])),
		Count:  int16(binary.BigEndian.Uint16(p[12:])),
	}
}

// ObjID is java.rmi.server.ObjID: an exported object's number and space.
type ObjID struct {
	Num int64
	UID UID
}

// Well-known object numbers.
var (
	registryID = ObjID{Num: 0}
	dgcID      = ObjID{Num: 2}
)

// vmid is this client's java.rmi.dgc.VMID, sent with every DGC lease.
type vmid struct {
	addr []byte
	uid  UID
}

func newVMID() vmid {
	var r [12]byte
	_, _ = rand.Read(r[:])
	return vmid{
		addr: r[:8],
		uid: UID{
			Unique: int32(binary.BigEndian.Uint32(r[8:])),
			Time:   time.Now().UnixMilli(),
			Count:  int16(-32768),
		},
	}
}

// AbortedError is a reply the server abandoned mid-stream (TC_EXCEPTION),
// typically because a value was not serializable. It unwraps to the
// server's exception, so it counts as a remote error for the caller; the
// connection it came on is closed.
type AbortedError struct {
	Remote *javaser.RemoteError
}

func (e *AbortedError) Error() string { return "reply aborted by the server: " + e.Remote.Error() }

// Unwrap returns the server's exception.
func (e *AbortedError) Unwrap() error { return e.Remote }

// endpoint is where a connection goes.
type endpoint struct {
	addr string // host:port
	tls  bool
}

// dialer opens JRMP connections.
type dialer struct {
	tlsConfig *tls.Config
	limits    javaser.Limits
	timeout   time.Duration
}

// conn is one JRMP stream-protocol connection. It carries one call at a
// time.
type conn struct {
	nc       net.Conn
	br       *bufio.Reader
	bw       *bufio.Writer
	dec      *javaser.Decoder
	enc      javaser.Encoder
	lastUsed time.Time
}

func (d *dialer) dial(ctx context.Context, ep endpoint) (*conn, error) {
	nd := net.Dialer{Timeout: d.timeout}
	nc, err := nd.DialContext(ctx, "tcp", ep.addr)
	if err != nil {
		return nil, err
	}
	if ep.tls {
		cfg := d.tlsConfig
		if cfg == nil {
			cfg = &tls.Config{}
		}
		cfg = cfg.Clone()
		if cfg.ServerName == "" {
			host, _, _ := net.SplitHostPort(ep.addr)
			cfg.ServerName = host
		}
		tc := tls.Client(nc, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			nc.Close()
			return nil, fmt.Errorf("tls handshake with %s: %w", ep.addr, err)
		}
		nc = tc
	}
	c := &conn{nc: nc, br: bufio.NewReaderSize(nc, 32<<10), bw: bufio.NewWriterSize(nc, 4<<10)}
	c.dec = javaser.NewDecoder(c.br, d.limits)
	if err := c.handshake(ctx); err != nil {
		nc.Close()
		return nil, fmt.Errorf("jrmp handshake with %s: %w", ep.addr, err)
	}
	return c, nil
}

func (c *conn) deadline(ctx context.Context) {
	if dl, ok := ctx.Deadline(); ok {
		_ = c.nc.SetDeadline(dl)
	} else {
		_ = c.nc.SetDeadline(time.Time{})
	}
}

func (c *conn) handshake(ctx context.Context) error {
	c.deadline(ctx)
	var hs [7]byte
	binary.BigEndian.PutUint32(hs[:], jrmpMagic)
	binary.BigEndian.PutUint16(hs[4:], jrmpVersion)
	hs[6] = jrmpStreamProtocol
	ack, err := c.exchange(hs[:])
	if err != nil {
		return err
	}
	if ack == jrmpProtocolNack {
		return errors.New("server refused the stream protocol")
	}
	if ack != JRMPProtocolAck {
		return fmt.Errorf("not a JRMP server (first reply byte 0x%02x)", ack)
	}
	var n [2]byte
	if _, err := io.ReadFull(c.br, n[:]); err != nil {
		return err
	}
	host := make([]byte, binary.BigEndian.Uint16(n[:]))
	if _, err := io.ReadFull(c.br, host); err != nil {
		return err
	}
	var port [4]byte
	if _, err := io.ReadFull(c.br, port[:]); err != nil {
		return err
	}
	// Our "default endpoint": echo the host the server saw, port 0.
	c.enc.B = c.enc.B[:0]
	c.enc.U16(uint16(len(host)))
	c.enc.B = append(c.enc.B, host...)
	c.enc.U32(0)
	return c.write(c.enc.B)
}

// write sends p: written and flushed.
func (c *conn) write(p []byte) error {
	if _, err := c.bw.Write(p); err != nil {
		return err
	}
	return c.bw.Flush()
}

// exchange sends p and reads the one-byte answer.
func (c *conn) exchange(p []byte) (byte, error) {
	if err := c.write(p); err != nil {
		return 0, err
	}
	return c.br.ReadByte()
}

func (c *conn) close() { c.nc.Close() }

// pingMessage is a JRMP ping.
var pingMessage = [...]byte{JRMPPing}

// ping checks an idle connection.
func (c *conn) ping(ctx context.Context) error {
	c.deadline(ctx)
	b, err := c.exchange(pingMessage[:])
	if err != nil {
		return err
	}
	if b != JRMPPingAck {
		return fmt.Errorf("ping answered with 0x%02x", b)
	}
	return nil
}

func (c *conn) dgcAck(u UID) error {
	c.enc.B = c.enc.B[:0]
	c.enc.U8(JRMPDGCAck)
	c.enc.B = u.append(c.enc.B)
	return c.write(c.enc.B)
}

// call sends one remote call and reads its return. args writes the
// arguments after the call header; hasResult says whether a normal return
// carries a value (false for void methods). It returns the value and the
// return's ack UID.
func (c *conn) call(ctx context.Context, id ObjID, op int32, hash int64, args func(*javaser.Encoder), hasResult bool) (any, UID, error) {
	c.deadline(ctx)
	if _, err := c.send(id, op, hash, args); err != nil {
		return nil, UID{}, err
	}
	if err := c.bw.Flush(); err != nil {
		return nil, UID{}, err
	}
	return c.receive(hasResult)
}

// send writes one call into the connection's buffer, not flushed, and
// returns its length.
func (c *conn) send(id ObjID, op int32, hash int64, args func(*javaser.Encoder)) (int, error) {
	c.enc.B = c.enc.B[:0]
	n := c.encode(id, op, hash, args)
	_, err := c.bw.Write(c.enc.B)
	c.dropEncoded(64 << 10)
	return n, err
}

// dropEncoded lets the encoder's buffer go when it grew past keep bytes.
func (c *conn) dropEncoded(keep int) {
	if cap(c.enc.B) > keep {
		c.enc.B = nil
	}
}

// encode appends one call to the encoder's buffer and returns its
// length.
func (c *conn) encode(id ObjID, op int32, hash int64, args func(*javaser.Encoder)) int {
	e := &c.enc
	start := len(e.B)
	e.U8(JRMPCall)
	e.Header()
	var hdr [34]byte
	h := binary.BigEndian.AppendUint64(hdr[:0], uint64(id.Num))
	h = id.UID.append(h)
	h = binary.BigEndian.AppendUint32(h, uint32(op))
	h = binary.BigEndian.AppendUint64(h, uint64(hash))
	e.Block(h)
	if args != nil {
		args(e)
	}
	return len(e.B) - start
}

// receive reads the return of the oldest call sent and not yet answered.
func (c *conn) receive(hasResult bool) (any, UID, error) {
	b, err := c.br.ReadByte()
	if err != nil {
		return nil, UID{}, err
	}
	if b != JRMPReturn {
		return nil, UID{}, fmt.Errorf("expected a return message, got 0x%02x", b)
	}
	c.dec.Reset()
	// The value returned is all the caller keeps: the handles to its parts
	// must not keep it (or a value the caller dropped) alive while the
	// connection idles or waits for its next return.
	defer c.dec.Release()
	if err := c.dec.ReadHeader(); err != nil {
		return nil, UID{}, err
	}
	// The header is looked at before the next read: no copy of it.
	blk, err := c.dec.ReadBlockView()
	if err != nil {
		return nil, UID{}, fmt.Errorf("reading return header: %w", err)
	}
	if len(blk) < 15 {
		return nil, UID{}, fmt.Errorf("short return header (%d bytes)", len(blk))
	}
	ack := parseUID(blk[1:15])
	switch kind := blk[0]; kind {
	case JRMPNormalReturn:
		if !hasResult {
			return nil, ack, nil
		}
		v, err := c.dec.ReadObject()
		if err != nil {
			var ex *javaser.ExceptionInStream
			if errors.As(err, &ex) {
				// The server failed while writing the value (a value that
				// is not serializable): the call failed, and the
				// connection is not to be trusted again.
				return nil, ack, &AbortedError{Remote: javaser.RemoteErrorOf(ex.Throwable)}
			}
			return nil, ack, fmt.Errorf("decoding return value: %w", err)
		}
		return v, ack, nil
	case jrmpExcReturn:
		v, err := c.dec.ReadObject()
		if err != nil {
			return nil, ack, fmt.Errorf("decoding exception: %w", err)
		}
		return nil, ack, javaser.RemoteErrorOf(v)
	default:
		return nil, ack, fmt.Errorf("unknown return type %d", kind)
	}
}

// pool keeps idle connections to one endpoint.
type pool struct {
	ep     endpoint
	d      *dialer
	mu     sync.Mutex
	idle   []*conn
	max    int
	closed bool
	// window bounds the bytes of pipelined calls written ahead of their
	// returns; 0 means maxPipelined.
	window int
}

// PingAfter is how long a connection may idle before it is pinged on reuse
// (a variable for tests).
var PingAfter = 5 * time.Second

// idleTimeout drops connections idle this long (the JDK's
// sun.rmi.transport.connectionTimeout is 15 s).
const idleTimeout = 60 * time.Second

func (p *pool) get(ctx context.Context) (*conn, error) {
	for {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return nil, errors.New("connection closed")
		}
		var c *conn
		if n := len(p.idle); n > 0 {
			c = p.idle[n-1]
			p.idle = p.idle[:n-1]
		}
		p.mu.Unlock()
		if c == nil {
			return p.d.dial(ctx, p.ep)
		}
		idle := time.Since(c.lastUsed)
		if idle > idleTimeout {
			c.close()
			continue
		}
		if idle > PingAfter {
			if err := c.ping(ctx); err != nil {
				c.close()
				continue
			}
		}
		return c, nil
	}
}

func (p *pool) put(c *conn, err error) {
	if err != nil {
		var re *javaser.RemoteError
		var ab *AbortedError
		if !errors.As(err, &re) || errors.As(err, &ab) {
			// Transport or decoding error: the stream state is unknown.
			c.close()
			return
		}
	}
	c.lastUsed = time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || len(p.idle) >= p.max {
		c.close()
		return
	}
	p.idle = append(p.idle, c)
}

func (p *pool) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for _, c := range p.idle {
		c.close()
	}
	p.idle = nil
}

// do runs one call on a pooled connection.
func (p *pool) do(ctx context.Context, id ObjID, op int32, hash int64, args func(*javaser.Encoder), hasResult bool) (any, UID, error) {
	return p.doIn(ctx, decodeOpts{}, id, op, hash, args, hasResult)
}

// decodeOpts are how a return is decoded.
type decodeOpts struct {
	// arena, when set, holds the return's objects (javaser.Arena): the
	// value is valid until it is reset.
	arena *javaser.Arena
	// objectNames reads ObjectNames as their names
	// (javaser.Decoder.SetObjectNames).
	objectNames bool
	// reserve is the handles and items to make room for
	// (javaser.Decoder.Reserve).
	reserve int
}

// doIn is do decoding the return as o says.
func (p *pool) doIn(ctx context.Context, o decodeOpts, id ObjID, op int32, hash int64, args func(*javaser.Encoder), hasResult bool) (any, UID, error) {
	c, err := p.get(ctx)
	if err != nil {
		return nil, UID{}, err
	}
	c.dec.SetArena(o.arena)
	c.dec.SetObjectNames(o.objectNames)
	if o.reserve > 0 {
		c.dec.Reserve(o.reserve)
	}
	v, ack, err := c.call(ctx, id, op, hash, args, hasResult)
	c.dec.SetArena(nil)
	c.dec.SetObjectNames(false)
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("%w (%w)", ctx.Err(), err)
	}
	p.put(c, err)
	return v, ack, err
}

// ErrNotRead is the error of a pipelined call whose return was not read
// because an earlier call on its connection left the stream in doubt.
var ErrNotRead = errors.New("return not read: an earlier call on the connection failed")

// maxPipelined bounds the bytes of calls written ahead of their returns
// (Options.PipelineBytes, when 0): well under a socket's buffers, so
// that writing them never waits for a server busy writing a large return
// that is not read yet.
const maxPipelined = 32 << 10

// doPipelined runs calls of one method on one connection, pipelined: the
// calls are written at once (one write instead of one per call) before
// the first return is read, as the JRMP stream protocol serves the calls
// of a connection one after the other, in order; when they take more than
// the pool's window (maxPipelined) bytes, in windows of about that many,
// each written once the returns of the one before were read. Each call gets its value or error.
// After an error that leaves the stream in doubt (anything but an
// exception the server returned), the remaining returns are not read
// (ErrNotRead) and the connection is closed. The returns are decoded with
// arena a (nil: none; see javaser.Arena): they are valid until a is
// reset.
func (p *pool) doPipelined(ctx context.Context, a *javaser.Arena, id ObjID, hash int64, calls int, args func(e *javaser.Encoder, call int)) ([]any, []error) {
	vals, errs := make([]any, calls), make([]error, calls)
	c, err := p.get(ctx)
	if err != nil {
		for i := range errs {
			errs[i] = err
		}
		return vals, errs
	}
	c.deadline(ctx)
	c.dec.SetArena(a)
	window := p.window
	if window <= 0 {
		window = maxPipelined
	}
	sent := 0
	for sent < calls && err == nil {
		// A window's calls are encoded into one buffer and written at
		// once: one write (and one segment for the server to take in)
		// instead of one each time a small buffered writer fills.
		lo := sent
		c.enc.B = c.enc.B[:0]
		for sent < calls && len(c.enc.B) < window {
			c.encode(id, -1, hash, func(e *javaser.Encoder) { args(e, sent) })
			sent++
		}
		if _, err = c.bw.Write(c.enc.B); err == nil {
			err = c.bw.Flush()
		}
		c.dropEncoded(max(64<<10, 2*window))
		for i := lo; i < sent; i++ {
			if err != nil {
				errs[i] = ErrNotRead
				continue
			}
			var e error
			vals[i], _, e = c.receive(true)
			if e == nil {
				continue
			}
			var re *javaser.RemoteError
			var ab *AbortedError
			if !errors.As(e, &re) || errors.As(e, &ab) {
				err = e // the stream is in doubt: read no more
			}
			if ctx.Err() != nil {
				e = fmt.Errorf("%w (%w)", ctx.Err(), e)
			}
			errs[i] = e
		}
	}
	for i := sent; i < calls; i++ {
		errs[i] = ErrNotRead
	}
	c.dec.SetArena(nil) // before another call may take the connection
	p.put(c, err)
	return vals, errs
}
