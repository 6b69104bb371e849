package statsd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"github.com/rosetta-adapter/rosetta/inputs"
	"github.com/rosetta-adapter/rosetta/normalize"
)

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
		inputs.Fault(d.name, "statsd.accept")
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
		// A panic in a connection's handler closes the connection and is
		// reported like any in the input (counted, the input restarted).
		inputs.Go(ctx, nil, func() {
			defer conns.remove(c)
			defer d.m.tcpOpen.Dec()
			defer c.Close()
			d.serveTCP(ctx, c, out)
		})
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
				inputs.Fault(d.name, "statsd.tcp")
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
