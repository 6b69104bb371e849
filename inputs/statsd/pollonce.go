package statsd

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"

	"github.com/rosetta-adapter/rosetta/inputs"
)

// pollOnce is the input's inputs.OnePoller, for a push input: it listens
// on the input's UDP and TCP addresses until ctx ends and returns the
// lines received, in arrival order — StatsD text as ParseLines reads it.
// The input itself must not be running on those addresses.
func pollOnce(ctx context.Context, c *Config) ([]inputs.Recording, error) {
	if c.ListenUDP == "" && c.ListenTCP == "" {
		return nil, errors.New("statsd input: no listen_udp or listen_tcp to listen on")
	}
	var (
		mu    sync.Mutex
		lines bytes.Buffer
		wg    sync.WaitGroup
	)
	add := func(b []byte) {
		mu.Lock()
		defer mu.Unlock()
		for l := range bytes.SplitSeq(b, []byte("\n")) {
			if l = bytes.TrimRight(l, "\r"); len(l) > 0 {
				lines.Write(l)
				lines.WriteByte('\n')
			}
		}
	}
	var targets []string
	if c.ListenUDP != "" {
		pc, err := net.ListenPacket("udp", c.ListenUDP)
		if err != nil {
			return nil, fmt.Errorf("listen_udp: %w", err)
		}
		targets = append(targets, "udp "+pc.LocalAddr().String())
		wg.Add(2)
		go func() { defer wg.Done(); <-ctx.Done(); pc.Close() }()
		go func() {
			defer wg.Done()
			buf := make([]byte, 65535)
			for {
				n, _, err := pc.ReadFrom(buf)
				if err != nil {
					return
				}
				add(buf[:n])
			}
		}()
	}
	if c.ListenTCP != "" {
		l, err := net.Listen("tcp", c.ListenTCP)
		if err != nil {
			return nil, fmt.Errorf("listen_tcp: %w", err)
		}
		targets = append(targets, "tcp "+l.Addr().String())
		var conns sync.Map
		wg.Add(2)
		go func() {
			defer wg.Done()
			<-ctx.Done()
			l.Close()
			conns.Range(func(k, _ any) bool { k.(net.Conn).Close(); return true })
		}()
		go func() {
			defer wg.Done()
			for {
				conn, err := l.Accept()
				if err != nil {
					return
				}
				conns.Store(conn, true)
				if ctx.Err() != nil {
					conn.Close() // accepted as the listener closed
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer conn.Close()
					sc := bufio.NewScanner(conn)
					sc.Buffer(make([]byte, 64<<10), 1<<20)
					for sc.Scan() {
						add(sc.Bytes())
					}
				}()
			}
		}()
	}
	wg.Wait()
	return []inputs.Recording{{Target: strings.Join(targets, ", "), Body: lines.Bytes()}}, nil
}
