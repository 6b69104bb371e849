package statsd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rosetta-adapter/rosetta/inputs"
	"github.com/rosetta-adapter/rosetta/internal/selfmetric"
)

// RelayConfig is the `relay` block of the StatsD input: every line the
// parser accepts is forwarded, as received, to another StatsD server over
// UDP, as statsd_exporter's --statsd.relay.address does. Rosetta has its
// own relay rather than statsd_exporter's pkg/relay, which registers its
// metrics on the global registry when imported.
type RelayConfig struct {
	// Address is the UDP host:port to forward to; "" disables the relay.
	Address string `yaml:"address"`
	// PacketLength is the largest UDP payload sent, in bytes
	// (--statsd.relay.packet-length). Lines are packed into packets up to
	// it; a line that cannot fit one with its newline is not relayed.
	PacketLength int `yaml:"packet_length"`
	// QueueSize is how many lines may wait to be sent; beyond it lines are
	// dropped and counted, so that the relay never slows the parsers.
	QueueSize int `yaml:"queue_size"`
	// FlushInterval is how long a packet that is not full waits for more
	// lines (statsd_exporter: 1s).
	FlushInterval time.Duration `yaml:"flush_interval"`
}

// DefaultRelayConfig holds statsd_exporter's relay defaults, disabled.
var DefaultRelayConfig = RelayConfig{PacketLength: 1400, QueueSize: 10000, FlushInterval: time.Second}

// maxUDPPayload is the largest UDP payload over IPv4.
const maxUDPPayload = 65507

func (c *RelayConfig) validate() []error {
	if c.Address == "" {
		return nil
	}
	var errs []error
	// The host is resolved when the relay sends, so that a DNS failure
	// never stops the input.
	if _, port, err := net.SplitHostPort(c.Address); err != nil {
		errs = append(errs, fieldErr("relay.address", "%q is not host:port: %v", c.Address, err))
	} else if n, err := strconv.ParseUint(port, 10, 16); err != nil || n == 0 {
		errs = append(errs, fieldErr("relay.address", "%q: port %q is not a number from 1 to 65535", c.Address, port))
	}
	if c.PacketLength < 2 || c.PacketLength > maxUDPPayload {
		errs = append(errs, fieldErr("relay.packet_length", "%d must be between 2 and %d", c.PacketLength, maxUDPPayload))
	}
	errs = append(errs, atLeast("relay.queue_size", c.QueueSize, 1, ""))
	if c.FlushInterval <= 0 {
		errs = append(errs, fieldErr("relay.flush_interval", "%s must be positive", c.FlushInterval))
	}
	return errs
}

// Reasons for rosetta_statsd_relay_dropped_lines_total.
const (
	relayDropQueueFull = "queue_full" // the relay queue was full
	relayDropTooLong   = "too_long"   // the line does not fit a packet (statsd_exporter_relay_long_lines_total)
)

// relayMetrics are the relay's self-metrics.
type relayMetrics struct {
	lines, packets, failed prometheus.Counter
	queueFull, tooLong     prometheus.Counter
}

func newRelayMetrics(reg prometheus.Registerer, queued func() float64) *relayMetrics {
	f := selfmetric.With(reg)
	dropped := f.CounterVec("rosetta_statsd_relay_dropped_lines_total", "StatsD lines not relayed, by reason: queue_full (the relay queue was full), too_long (the line does not fit in a relay packet; statsd_exporter_relay_long_lines_total).", "reason")
	f.GaugeFunc("rosetta_statsd_relay_queued_lines", "StatsD lines waiting to be relayed.", queued)
	return &relayMetrics{
		lines:     f.Counter("rosetta_statsd_relay_lines_total", "StatsD lines sent to the relay address."),
		packets:   f.Counter("rosetta_statsd_relay_packets_total", "UDP packets sent to the relay address (statsd_exporter_relay_packets_total)."),
		failed:    f.Counter("rosetta_statsd_relay_failed_lines_total", "StatsD lines in relay packets that could not be sent (address not resolved, send error)."),
		queueFull: dropped.WithLabelValues(relayDropQueueFull),
		tooLong:   dropped.WithLabelValues(relayDropTooLong),
	}
}

// relayBatch is lines of one parser, each ending in "\n", on their way to
// the sender.
type relayBatch struct {
	b     []byte
	lines int
}

// relayBatchMax is the size at which a parser hands its batch over before
// the end of its packets.
const relayBatchMax = 16 << 10

// relay forwards lines to a StatsD server. Parsers add the lines they
// accept to their own batch (relayBuf) and hand full batches to a bounded
// queue without waiting; one sender packs them into packets.
type relay struct {
	cfg    RelayConfig
	m      *relayMetrics
	log    *slog.Logger
	queue  chan *relayBatch
	queued atomic.Int64 // lines in queue
	pool   sync.Pool
}

func newRelay(cfg RelayConfig, reg prometheus.Registerer, log *slog.Logger) *relay {
	r := &relay{cfg: cfg, log: log, queue: make(chan *relayBatch, cfg.QueueSize)}
	r.pool.New = func() any { return &relayBatch{b: make([]byte, 0, 2048)} }
	r.m = newRelayMetrics(reg, func() float64 { return float64(r.queued.Load()) })
	return r
}

// enqueue hands a batch to the sender, or drops it when the queue holds
// QueueSize lines already. It never waits.
func (r *relay) enqueue(b *relayBatch) {
	if r.queued.Add(int64(b.lines)) > int64(r.cfg.QueueSize) {
		r.queued.Add(-int64(b.lines))
		r.m.queueFull.Add(float64(b.lines))
		r.put(b)
		return
	}
	select {
	case r.queue <- b:
	default: // not reached: the channel holds QueueSize batches of at least one line
		r.queued.Add(-int64(b.lines))
		r.m.queueFull.Add(float64(b.lines))
		r.put(b)
	}
}

func (r *relay) get() *relayBatch { return r.pool.Get().(*relayBatch) }

func (r *relay) put(b *relayBatch) {
	b.b, b.lines = b.b[:0], 0
	if cap(b.b) <= 2*relayBatchMax {
		r.pool.Put(b)
	}
}

// run sends queued lines until stop is closed, then sends what is queued
// and returns. Lines are packed as statsd_exporter packs them: a line that
// would make the packet longer than PacketLength sends the packet first,
// and a packet that is not full is sent every FlushInterval.
func (r *relay) run(stop <-chan struct{}) {
	conn, err := net.ListenUDP("udp", nil)
	if err != nil {
		r.log.Error("relay: cannot open a UDP socket; relayed lines are counted as failed", "err", err)
	}
	if conn != nil {
		defer conn.Close()
	}
	s := relaySender{r: r, conn: conn, pkt: make([]byte, 0, r.cfg.PacketLength)}
	tick := time.NewTicker(r.cfg.FlushInterval)
	defer tick.Stop()
	for {
		select {
		case b := <-r.queue:
			s.pack(b)
		case <-tick.C:
			s.send()
		case <-stop:
			for {
				select {
				case b := <-r.queue:
					s.pack(b)
				default:
					s.send()
					return
				}
			}
		}
	}
}

// relaySender builds and sends packets; it belongs to relay.run.
type relaySender struct {
	r      *relay
	conn   *net.UDPConn
	addr   *net.UDPAddr
	pkt    []byte
	lines  int  // in pkt
	failed bool // the last send failed (logged once per run of failures)
}

func (s *relaySender) pack(b *relayBatch) {
	r := s.r
	r.queued.Add(-int64(b.lines))
	for rest := b.b; len(rest) > 0; {
		n := indexNewline(rest) + 1 // every line in a batch ends in "\n"
		if len(s.pkt)+n > r.cfg.PacketLength {
			s.send()
		}
		s.pkt = append(s.pkt, rest[:n]...)
		s.lines++
		rest = rest[n:]
	}
	r.put(b)
}

func (s *relaySender) send() {
	if s.lines == 0 {
		return
	}
	err := s.write()
	if err != nil {
		s.r.m.failed.Add(float64(s.lines))
		if !s.failed {
			s.r.log.Warn("relay: sending failed; lines are counted as failed until it works again", "address", s.r.cfg.Address, "err", err)
		}
	} else {
		s.r.m.packets.Inc()
		s.r.m.lines.Add(float64(s.lines))
		if s.failed {
			s.r.log.Info("relay: sending works again", "address", s.r.cfg.Address)
		}
	}
	s.failed = err != nil
	s.pkt, s.lines = s.pkt[:0], 0
}

func (s *relaySender) write() error {
	if s.conn == nil {
		return errors.New("no UDP socket")
	}
	if s.addr == nil {
		// Resolved here, not when the input starts, so that a name that
		// does not resolve yet costs only the relayed lines.
		a, err := net.ResolveUDPAddr("udp", s.r.cfg.Address)
		if err != nil {
			return fmt.Errorf("resolving %s: %w", s.r.cfg.Address, err)
		}
		s.addr = a
	}
	_, err := s.conn.WriteToUDP(s.pkt, s.addr)
	return err
}

// relayBuf returns a parser's buffer for the relay, nil without one.
func (d *Driver) relayBuf() *relayBuf {
	if d.relay == nil {
		return nil
	}
	return &relayBuf{r: d.relay}
}

// relayBuf collects one parser's accepted lines for the relay.
type relayBuf struct {
	r *relay
	b *relayBatch
}

// add appends a line the parser accepted, or counts it when it cannot fit
// in a packet with its newline.
func (rb *relayBuf) add(line []byte) {
	if len(line)+1 > rb.r.cfg.PacketLength {
		rb.r.m.tooLong.Inc()
		return
	}
	if rb.b == nil {
		rb.b = rb.r.get()
	}
	rb.b.b = append(append(rb.b.b, line...), '\n')
	rb.b.lines++
	if len(rb.b.b) >= relayBatchMax {
		rb.flush()
	}
}

// flush hands the collected lines to the relay's queue.
func (rb *relayBuf) flush() {
	if rb.b == nil {
		return
	}
	rb.r.enqueue(rb.b)
	rb.b = nil
}

// startRelay starts the relay's sender for one Run; the returned function
// stops it after sending what is queued.
func (d *Driver) startRelay(ctx context.Context) func() {
	if d.relay == nil {
		return func() {}
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	inputs.Go(ctx, nil, func() {
		defer close(done)
		d.relay.run(stop)
	})
	return func() {
		close(stop)
		<-done
	}
}
