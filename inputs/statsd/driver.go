package statsd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/rosetta-adapter/rosetta/inputs"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// Type is the input type of StatsD inputs.
const Type = "statsd"

// NewFactory returns the StatsD input factory (type Type); its inputs
// replay recorded input offline (offline.go) and read their targets once
// (pollonce.go).
func NewFactory() inputs.FullFactory[Config, *Config, *Driver] {
	return inputs.NewFactoryOf(Type, &DefaultConfig, DecodeConfig, New).Full(replay, pollOnce)
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
		d.relay = newRelay(cfg.Relay, set.Registerer, d.log)
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
	stopRelay := d.startRelay(ctx)
	// Every goroutine is started with inputs.Go: a panic in one (a parser
	// bug hit by a packet) is reported to the manager, which cancels ctx
	// and restarts the input; the others shut down as on any stop.
	var workers sync.WaitGroup
	seq := newSequencer(d.workers)
	for range d.workers {
		inputs.Go(flushCtx, &workers, func() { d.work(flushCtx, seq, q, out) })
	}

	var (
		readers sync.WaitGroup
		fatal   = make(chan error, 3)
		tcp     = &tcpConns{conns: map[net.Conn]struct{}{}}
		addrs   Addrs
	)
	if l.udp != nil {
		addrs.UDP = l.udp.LocalAddr()
		inputs.Go(ctx, &readers, func() { fatal <- d.readDatagrams(l.udp, "udp", q) })
	}
	if l.unixgram != nil {
		addrs.Unixgram = l.unixPath
		inputs.Go(ctx, &readers, func() { fatal <- d.readDatagrams(l.unixgram, "unixgram", q) })
	}
	if l.tcp != nil {
		addrs.TCP = l.tcp.Addr()
		inputs.Go(ctx, &readers, func() { fatal <- d.acceptTCP(flushCtx, l.tcp, tcp, out) })
	}
	d.addrs.Store(&addrs)
	defer d.addrs.Store(nil)
	d.log.Info("accepting StatsD traffic", "udp", addrs.UDP, "tcp", addrs.TCP, "unixgram", addrs.Unixgram)
	if d.listening != nil {
		d.listening(addrs)
	}

	var runErr error
wait:
	for {
		select {
		case <-ctx.Done():
			break wait
		case runErr = <-fatal:
			if runErr != nil {
				break wait
			}
			// A reader that ended without error: its socket was closed.
		}
	}
	l.close()
	tcp.closeAll()
	readers.Wait()
	tcp.wg.Wait()
	close(q)
	workers.Wait()
	seq.drain()
	// Packets left when every worker ended early (after panics) go back,
	// so that the queued-bytes budget stays right for the next Run.
	for pk := range q {
		d.putPacket(pk)
	}
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
	point := "statsd." + transport
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
			inputs.Fault(d.name, point)
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
		inputs.Fault(d.name, point)
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
	ended := false
	defer func() {
		if ended {
			return
		}
		// Panicking (on to inputs.Go, which reports it and the input
		// restarts): hand back the packets this worker held and let the
		// other workers finish without waiting for its turn.
		seq.abort()
		for _, pk := range pkts {
			if pk != nil {
				d.putPacket(pk)
			}
		}
	}()
	for {
		pkts, ticket, ok = seq.takeBatch(q, pkts[:0])
		if !ok {
			ended = true
			return
		}
		inputs.Fault(d.name, "statsd.parse")
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

// newParser is a TCP connection's parser, appending to out.
func (d *Driver) newParser(ctx context.Context, out normalize.Appender) *parser {
	p := newParser(d.cfg.parserOptions())
	p.tmplBytes = tcpTemplateBytes
	p.relay = d.relayBuf()
	p.emit = func(batch []normalize.Record) {
		if err := out.Append(ctx, batch); err != nil {
			d.log.Debug("append failed", "err", err)
		}
	}
	return p
}

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
