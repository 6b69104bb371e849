package statsd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/inputs"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// Factory creates StatsD inputs (type "statsd").
type Factory struct{}

// NewFactory returns the StatsD input factory.
func NewFactory() Factory { return Factory{} }

// Type implements inputs.Factory.
func (Factory) Type() string { return "statsd" }

// NewDefaultConfig implements inputs.Factory.
func (Factory) NewDefaultConfig() inputs.Config {
	c := DefaultConfig
	return &c
}

// Decode implements inputs.Factory.
func (Factory) Decode(node *yaml.Node) (inputs.Config, error) { return DecodeConfig(node) }

// New implements inputs.Factory.
func (Factory) New(set inputs.Settings, cfg inputs.Config) (inputs.Driver, error) {
	c, ok := cfg.(*Config)
	if !ok {
		return nil, fmt.Errorf("statsd input %q: config is %T, not *statsd.Config", set.Name, cfg)
	}
	return New(set, c)
}

// Addrs are the addresses a running driver listens on (nil or "" for a
// disabled listener).
type Addrs struct {
	UDP, TCP net.Addr
	Unixgram string
}

// Driver is a StatsD input. Run may be called again after it returns.
type Driver struct {
	cfg     Config
	name    string
	log     *slog.Logger
	m       *metrics
	workers int

	queue atomic.Pointer[chan *packet]
	// queued is the bytes of the buffers of queued (and in-parse)
	// datagrams, bounded by UDPPacketQueueBytes.
	queued atomic.Int64
	addrs  atomic.Pointer[Addrs]
	relay  *relay // nil without a relay address
	pools  [len(bufClasses)]sync.Pool

	// listening, if set, is called once the sockets are bound (tests).
	listening func(Addrs)
}

// New creates a driver; it binds nothing until Run.
func New(set inputs.Settings, cfg *Config) (*Driver, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("statsd input %q: %w", set.Name, err)
	}
	d := &Driver{cfg: *cfg, name: set.Name, log: set.Logger}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	d.workers = cfg.Workers
	if d.workers == 0 {
		d.workers = set.Workers
	}
	if d.workers == 0 {
		d.workers = runtime.GOMAXPROCS(0)
	}
	for i := range d.pools {
		size := bufClasses[i]
		d.pools[i].New = func() any { return &packet{b: make([]byte, 0, size), class: i} }
	}
	var err error
	d.m, err = newMetrics(set.Registerer, func() float64 {
		if q := d.queue.Load(); q != nil {
			return float64(len(*q))
		}
		return 0
	})
	if err != nil {
		return nil, fmt.Errorf("statsd input %q: registering metrics: %w", set.Name, err)
	}
	if cfg.Relay.Address != "" {
		d.relay, err = newRelay(cfg.Relay, set.Registerer, d.log)
		if err != nil {
			return nil, fmt.Errorf("statsd input %q: registering relay metrics: %w", set.Name, err)
		}
	}
	return d, nil
}

// Addrs returns where the driver listens while Run is running.
func (d *Driver) Addrs() Addrs {
	if a := d.addrs.Load(); a != nil {
		return *a
	}
	return Addrs{}
}

// useRecvmmsg selects recvmmsg(2) where it is available (tests turn it
// off to cover the portable reader).
var useRecvmmsg = true

// maxDatagram is the largest datagram read; a bigger one (possible on
// unixgram) is counted as truncated and dropped.
const maxDatagram = 65535

// bufClasses are the sizes of pooled packet buffers.
var bufClasses = [...]int{512, 2048, 8192, maxDatagram}

// packet is a datagram in a pooled buffer.
type packet struct {
	b      []byte
	class  int
	queued bool // counted in Driver.queued
}

func (d *Driver) getPacket(n int) *packet {
	c := 0
	for bufClasses[c] < n {
		c++
	}
	p := d.pools[c].Get().(*packet)
	p.b = p.b[:n]
	return p
}

func (d *Driver) putPacket(p *packet) {
	if p.queued {
		p.queued = false
		d.queued.Add(-int64(cap(p.b)))
	}
	d.pools[p.class].Put(p)
}

// listeners are the bound sockets of one Run.
type listeners struct {
	udp      *net.UDPConn
	tcp      net.Listener
	unixgram *net.UnixConn
	unixPath string
}

func (l *listeners) close() {
	if l.udp != nil {
		_ = l.udp.Close()
	}
	if l.tcp != nil {
		_ = l.tcp.Close()
	}
	if l.unixgram != nil {
		_ = l.unixgram.Close()
	}
}

func (d *Driver) listen(ctx context.Context) (*listeners, error) {
	l := &listeners{}
	var lc net.ListenConfig
	if a := d.cfg.ListenUDP; a != "" {
		pc, err := lc.ListenPacket(ctx, "udp", a)
		if err != nil {
			return nil, fmt.Errorf("listen_udp %q: %w", a, err)
		}
		l.udp = pc.(*net.UDPConn)
		if d.cfg.ReadBuffer > 0 {
			if err := l.udp.SetReadBuffer(d.cfg.ReadBuffer); err != nil {
				l.close()
				return nil, fmt.Errorf("read_buffer %d on UDP: %w", d.cfg.ReadBuffer, err)
			}
		}
	}
	if a := d.cfg.ListenTCP; a != "" {
		ln, err := lc.Listen(ctx, "tcp", a)
		if err != nil {
			l.close()
			return nil, fmt.Errorf("listen_tcp %q: %w", a, err)
		}
		l.tcp = ln
	}
	if path := d.cfg.ListenUnixgram; path != "" {
		if err := removeStaleSocket(path); err != nil {
			l.close()
			return nil, fmt.Errorf("listen_unixgram %q: %w", path, err)
		}
		mode, _ := d.cfg.socketMode() // validated
		conn, err := bindUnixgram(path, os.FileMode(mode))
		if err != nil {
			l.close()
			return nil, fmt.Errorf("listen_unixgram %q: %w", path, err)
		}
		l.unixgram, l.unixPath = conn, path
		if d.cfg.ReadBuffer > 0 {
			if err := conn.SetReadBuffer(d.cfg.ReadBuffer); err != nil {
				l.close()
				d.removeSocket(path)
				return nil, fmt.Errorf("read_buffer %d on unixgram: %w", d.cfg.ReadBuffer, err)
			}
		}
	}
	return l, nil
}

// bindUnixgram binds a unixgram socket at path with mode. The socket is
// bound and chmod-ed in a fresh private (0700) directory beside path and
// then renamed into place, so that it never exists at path with the
// umask's permissions (binding at path and then chmod-ing left a window in
// which anyone the umask allowed could connect). An abstract socket
// ("@name") has no file and no mode.
func bindUnixgram(path string, mode os.FileMode) (*net.UnixConn, error) {
	if path[0] == '@' {
		return net.ListenUnixgram("unixgram", &net.UnixAddr{Net: "unixgram", Name: path})
	}
	dir, err := os.MkdirTemp(filepath.Dir(path), ".statsd-sock-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, "s")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Net: "unixgram", Name: tmp})
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(tmp, mode); err != nil {
		conn.Close()
		return nil, fmt.Errorf("setting the socket mode %o: %w", mode, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// removeStaleSocket removes a socket file nobody listens on (left behind
// by a killed process); any other existing file is an error, as in
// statsd_exporter.
func removeStaleSocket(path string) error {
	if path[0] == '@' {
		return nil
	}
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.Mode()&os.ModeSocket == 0 {
		return errors.New("a file that is not a socket exists at that path")
	}
	c, err := net.Dial("unixgram", path)
	if err == nil {
		_ = c.Close()
		return errors.New("the socket exists and another process is listening on it")
	}
	return os.Remove(path)
}

func (d *Driver) removeSocket(path string) {
	if path == "" || path[0] == '@' {
		return
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		d.log.Warn("cannot remove the unixgram socket", "path", path, "err", err)
	}
}

// Run listens until ctx ends, then closes the sockets and every TCP
// connection, parses what was already received and returns nil. It
// returns an error if a socket cannot be bound or fails.
func (d *Driver) Run(ctx context.Context, out normalize.Appender) error {
	if ctx.Err() != nil {
		return nil
	}
	l, err := d.listen(ctx)
	if err != nil {
		return fmt.Errorf("statsd input %q: %w", d.name, err)
	}
	defer d.removeSocket(l.unixPath)

	q := make(chan *packet, d.cfg.UDPPacketQueueSize)
	d.queue.Store(&q)
	defer d.queue.Store(nil)

	// Records already received are still appended after ctx ends.
	flushCtx := context.WithoutCancel(ctx)
	stopRelay := d.startRelay()
	var workers sync.WaitGroup
	seq := newSequencer(d.workers)
	for range d.workers {
		workers.Go(func() { d.work(flushCtx, seq, q, out) })
	}

	var (
		readers sync.WaitGroup
		fatal   = make(chan error, 3)
		tcp     = &tcpConns{conns: map[net.Conn]struct{}{}}
		addrs   Addrs
	)
	if l.udp != nil {
		addrs.UDP = l.udp.LocalAddr()
		readers.Go(func() { fatal <- inputs.Safe(func() error { return d.readDatagrams(l.udp, "udp", q) }) })
	}
	if l.unixgram != nil {
		addrs.Unixgram = l.unixPath
		readers.Go(func() {
			fatal <- inputs.Safe(func() error { return d.readDatagrams(l.unixgram, "unixgram", q) })
		})
	}
	if l.tcp != nil {
		addrs.TCP = l.tcp.Addr()
		readers.Go(func() { fatal <- inputs.Safe(func() error { return d.acceptTCP(flushCtx, l.tcp, tcp, out) }) })
	}
	d.addrs.Store(&addrs)
	defer d.addrs.Store(nil)
	d.log.Info("accepting StatsD traffic", "udp", addrs.UDP, "tcp", addrs.TCP, "unixgram", addrs.Unixgram)
	if d.listening != nil {
		d.listening(addrs)
	}

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-fatal:
	}
	l.close()
	tcp.closeAll()
	readers.Wait()
	tcp.wg.Wait()
	close(q)
	workers.Wait()
	stopRelay() // after every parser handed over its lines
	if runErr != nil {
		return fmt.Errorf("statsd input %q: %w", d.name, runErr)
	}
	return nil
}

// readDatagrams copies each datagram into a pooled buffer and queues it
// without ever waiting: a full queue drops the packet.
func (d *Driver) readDatagrams(conn net.Conn, transport string, q chan<- *packet) error {
	packets := d.m.packets[transport]
	enqueue := func(b []byte, truncated bool) {
		packets.Inc()
		if truncated {
			d.m.errors[errPacketTruncated].Inc()
			return
		}
		p := d.getPacket(len(b))
		if size := int64(cap(p.b)); d.queued.Add(size) > int64(d.cfg.UDPPacketQueueBytes) {
			d.queued.Add(-size)
			d.m.drops[dropQueueBytes].Inc()
			d.putPacket(p)
			return
		}
		p.queued = true
		copy(p.b, b)
		select {
		case q <- p:
		default:
			d.m.drops[dropQueueFull].Inc()
			d.putPacket(p)
		}
	}
	if br, ok := newBatchReader(conn); ok {
		// Linux: many datagrams per system call.
		for {
			if err := br.read(enqueue); err != nil {
				if errors.Is(err, net.ErrClosed) {
					return nil
				}
				d.m.readErrs.WithLabelValues(transport).Inc()
				return fmt.Errorf("reading %s: %w", transport, err)
			}
		}
	}
	buf := make([]byte, maxDatagram+1)
	for {
		n, err := conn.Read(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			d.m.readErrs.WithLabelValues(transport).Inc()
			return fmt.Errorf("reading %s: %w", transport, err)
		}
		enqueue(buf[:min(n, maxDatagram)], n > maxDatagram)
	}
}

// maxTake is the most queued packets a worker takes for one batch.
const maxTake = 64

// sequencer keeps the workers' batches in arrival order: a worker takes a
// run of consecutive packets and a ticket under one lock, parses them in
// parallel with the other workers, and appends only when every earlier
// ticket has appended. Parsing runs in parallel; Append calls do not
// overlap, so a gauge set twice ends at the value sent last, as with
// statsd_exporter's single goroutine.
type sequencer struct {
	// take is held by the one worker waiting on the queue (the leader).
	// The others wait on help, which a leader signals only when it leaves
	// packets behind, so an idle input wakes one worker per packet, not
	// all of them.
	take      sync.Mutex
	next      uint64 // next ticket, under take
	help      chan struct{}
	closed    chan struct{}
	closeOnce sync.Once

	mu        sync.Mutex
	cond      sync.Cond
	committed uint64 // tickets fully appended, under mu
	// pending are mapped batches handed over before their turn, by
	// ticket; committing is set while a worker writes them. Under mu.
	pending    map[uint64][]normalize.Mapped
	committing bool
}

func newSequencer(workers int) *sequencer {
	s := &sequencer{help: make(chan struct{}, workers), closed: make(chan struct{})}
	s.cond.L = &s.mu
	return s
}

// takeBatch waits for a packet, takes up to maxTake queued packets into
// buf and returns them with their ticket; ok is false when q is closed and
// empty.
func (s *sequencer) takeBatch(q <-chan *packet, buf []*packet) (_ []*packet, ticket uint64, ok bool) {
	for !s.take.TryLock() {
		select {
		case <-s.help:
		case <-s.closed:
			return buf, 0, false
		}
	}
	pk, ok := <-q
	if !ok {
		s.take.Unlock()
		s.closeOnce.Do(func() { close(s.closed) })
		return buf, 0, false
	}
	buf = append(buf, pk)
more:
	for len(buf) < maxTake {
		select {
		case pk, ok := <-q:
			if !ok {
				break more
			}
			buf = append(buf, pk)
		default:
			break more
		}
	}
	ticket = s.next
	s.next++
	backlog := len(q) > 0
	s.take.Unlock()
	if backlog {
		select {
		case s.help <- struct{}{}:
		default:
		}
	}
	return buf, ticket, true
}

// wait blocks until it is ticket's turn to append.
func (s *sequencer) wait(ticket uint64) {
	s.mu.Lock()
	for s.committed != ticket {
		s.cond.Wait()
	}
	s.mu.Unlock()
}

// done ends ticket's turn.
func (s *sequencer) done() {
	s.mu.Lock()
	s.committed++
	s.cond.Broadcast()
	s.mu.Unlock()
}

// maxPending bounds the mapped batches waiting for an earlier ticket (a
// worker the OS has descheduled holds up the others' writes).
const maxPending = 64

// finish hands over ticket's mapped batches without waiting for its turn:
// the worker whose turn it is writes them, and the worker that writes the
// last batch due writes every later one already handed over, in ticket
// order. So no worker sleeps waiting for another's turn, the writes keep
// arrival order, and they never overlap.
func (s *sequencer) finish(ticket uint64, parts []normalize.Mapped) {
	s.mu.Lock()
	for ticket != s.committed && len(s.pending) >= maxPending {
		s.cond.Wait()
	}
	if s.pending == nil {
		s.pending = map[uint64][]normalize.Mapped{}
	}
	s.pending[ticket] = parts
	if s.committing {
		s.mu.Unlock()
		return
	}
	s.committing = true
	for {
		ps, ok := s.pending[s.committed]
		if !ok {
			break
		}
		delete(s.pending, s.committed)
		s.mu.Unlock()
		for _, m := range ps {
			m.Commit()
		}
		s.mu.Lock()
		s.committed++
		s.cond.Broadcast()
	}
	s.committing = false
	s.mu.Unlock()
}

// work parses queued packets and appends their records in arrival order.
func (d *Driver) work(ctx context.Context, seq *sequencer, q <-chan *packet, out normalize.Appender) {
	var ticket uint64
	p := newParser(d.cfg.parserOptions())
	p.relay = d.relayBuf()
	mapper, _ := out.(normalize.BatchMapper)
	var parts []normalize.Mapped
	if mapper != nil {
		// Map in parallel with the other workers; the writes are handed
		// to the sequencer at the end of the batch.
		p.emit = func(batch []normalize.Record) { parts = append(parts, mapper.Map(batch)) }
	} else {
		p.emit = func(batch []normalize.Record) {
			// A spill in the middle of a batch appends in turn too; the
			// turn ends after the batch's last append.
			seq.wait(ticket)
			if err := out.Append(ctx, batch); err != nil {
				d.log.Debug("append failed", "err", err)
			}
		}
	}
	var (
		pkts []*packet
		ok   bool
	)
	for {
		pkts, ticket, ok = seq.takeBatch(q, pkts[:0])
		if !ok {
			return
		}
		for i, pk := range pkts {
			p.parsePacket(pk.b)
			d.putPacket(pk)
			pkts[i] = nil
		}
		d.m.flush(&p.st)
		p.flush()
		if mapper != nil {
			seq.finish(ticket, parts)
			if len(parts) > 0 {
				parts = make([]normalize.Mapped, 0, 1) // the sequencer has these
			}
			continue
		}
		seq.wait(ticket) // when the batch had no records
		seq.done()
	}
}

func (d *Driver) newParser(ctx context.Context, out normalize.Appender) *parser {
	p := newParser(d.cfg.parserOptions())
	p.relay = d.relayBuf()
	p.emit = func(batch []normalize.Record) {
		if err := out.Append(ctx, batch); err != nil {
			d.log.Debug("append failed", "err", err)
		}
	}
	return p
}

// tcpConns tracks open connections so that shutdown can close them.
type tcpConns struct {
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

func (t *tcpConns) add(c net.Conn) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	t.conns[c] = struct{}{}
	t.wg.Add(1)
	return true
}

func (t *tcpConns) remove(c net.Conn) {
	t.mu.Lock()
	delete(t.conns, c)
	t.mu.Unlock()
	t.wg.Done()
}

func (t *tcpConns) count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.conns)
}

func (t *tcpConns) closeAll() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closed = true
	for c := range t.conns {
		_ = c.Close()
	}
}

func (d *Driver) acceptTCP(ctx context.Context, ln net.Listener, conns *tcpConns, out normalize.Appender) error {
	var backoff time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			d.m.readErrs.WithLabelValues("tcp").Inc()
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || isTemporary(err) {
				// Out of file descriptors and the like: wait and retry,
				// as net/http does.
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				d.log.Warn("accepting a TCP connection failed; retrying", "err", err, "backoff", backoff)
				time.Sleep(backoff)
				continue
			}
			return fmt.Errorf("accepting TCP connections: %w", err)
		}
		backoff = 0
		if limit := d.cfg.TCPMaxConnections; limit > 0 && conns.count() >= limit {
			d.m.drops[dropConnectionLimit].Inc()
			_ = c.Close()
			continue
		}
		if !conns.add(c) {
			_ = c.Close()
			return nil
		}
		d.m.tcpConns.Inc()
		d.m.tcpOpen.Inc()
		go func() {
			defer conns.remove(c)
			defer d.m.tcpOpen.Dec()
			defer c.Close()
			// A panic in one connection ends that connection only; it is
			// logged with its stack and counted as a connection error.
			err := inputs.Safe(func() error { d.serveTCP(ctx, c, out); return nil })
			var pe *inputs.PanicError
			if errors.As(err, &pe) {
				d.m.tcpErrs.Inc()
				d.log.Error("a TCP connection's handler panicked; connection closed", "remote", c.RemoteAddr(), "panic", fmt.Sprint(pe.Value), "stack", string(pe.Stack))
			}
		}()
	}
}

func isTemporary(err error) bool {
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}

// serveTCP reads newline-delimited lines and parses each chunk of
// complete lines on this goroutine: a slow pipeline slows this connection
// only. A line longer than TCPMaxLineLength is skipped and counted; the
// connection stays open.
func (d *Driver) serveTCP(ctx context.Context, c net.Conn, out normalize.Appender) {
	p := d.newParser(ctx, out)
	maxLine := d.cfg.TCPMaxLineLength
	// The buffer starts small and grows up to the longest line allowed
	// ("\r\n" included), so that idle connections cost little.
	limit := maxLine + 2
	buf := make([]byte, min(limit, 8<<10))
	start, end := 0, 0
	skipping := false // inside a line that is too long
	for {
		if end == len(buf) {
			if start > 0 {
				end = copy(buf, buf[start:end])
				start = 0
			} else if len(buf) < limit {
				buf = append(buf, make([]byte, min(len(buf), limit-len(buf)))...)
				buf = buf[:cap(buf)]
			} else {
				// No newline in a full buffer: the line is too long.
				if !skipping {
					p.st.errors[errLineTooLong]++
					p.st.lines++
					skipping = true
				}
				start, end = 0, 0
			}
		}
		if idle := d.cfg.TCPIdleTimeout; idle > 0 {
			_ = c.SetReadDeadline(time.Now().Add(idle))
		}
		n, err := c.Read(buf[end:])
		end += n
		if n > 0 {
			chunk := buf[start:end]
			if last := lastNewline(chunk); last >= 0 {
				lines := chunk[:last+1]
				if skipping {
					i := indexNewline(lines)
					lines = lines[i+1:]
					skipping = false
				}
				d.parseTCPLines(p, lines, maxLine)
				start += last + 1
				d.m.flush(&p.st)
				p.flush()
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) && !skipping && end > start {
				// The client's last line may end without a newline. (At
				// shutdown an unterminated line may be cut short: it is
				// dropped.)
				d.parseTCPLines(p, buf[start:end], maxLine)
			}
			if errors.Is(err, os.ErrDeadlineExceeded) {
				// Idle too long (TCPIdleTimeout): what it sent is parsed.
				p.st.drops[dropTCPIdle]++
				err = io.EOF
			}
			d.m.flush(&p.st)
			p.flush()
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				d.m.tcpErrs.Inc()
				d.log.Debug("reading a TCP connection failed", "remote", c.RemoteAddr(), "err", err)
			}
			return
		}
	}
}

// parseTCPLines parses lines ending in "\n" (the last may lack it), with
// "\r\n" endings accepted as bufio.Reader.ReadLine accepts them.
func (d *Driver) parseTCPLines(p *parser, b []byte, maxLine int) {
	for len(b) > 0 {
		i := indexNewline(b)
		line := b
		if i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		p.st.lines++
		if len(line) > maxLine {
			p.st.errors[errLineTooLong]++
			continue
		}
		p.parse(line)
	}
}

func indexNewline(b []byte) int { return bytes.IndexByte(b, '\n') }

func lastNewline(b []byte) int { return bytes.LastIndexByte(b, '\n') }

// ListenAddrs returns the sockets Run binds (network, address), so that a
// reload can check they are free before it stops the running input.
func (d *Driver) ListenAddrs() [][2]string {
	var out [][2]string
	if d.cfg.ListenUDP != "" {
		out = append(out, [2]string{"udp", d.cfg.ListenUDP})
	}
	if d.cfg.ListenTCP != "" {
		out = append(out, [2]string{"tcp", d.cfg.ListenTCP})
	}
	if d.cfg.ListenUnixgram != "" {
		out = append(out, [2]string{"unixgram", d.cfg.ListenUnixgram})
	}
	return out
}
