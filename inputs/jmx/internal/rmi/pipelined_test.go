package rmi

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rosetta-adapter/rosetta/inputs/jmx/internal/javaser"
	"github.com/rosetta-adapter/rosetta/inputs/jmx/mbean"
)

// recordedNC is a connection whose server side is the recorded run's
// returns; it records the size of each write and fails write failAt
// (1-based; 0: none).
type recordedNC struct {
	net.Conn
	r      *bytes.Reader
	writes []int
	failAt int
	closed bool
}

func (f *recordedNC) Read(p []byte) (int, error) { return f.r.Read(p) }

func (f *recordedNC) Write(p []byte) (int, error) {
	f.writes = append(f.writes, len(p))
	if len(f.writes) == f.failAt {
		return 0, errors.New("write: broken pipe")
	}
	return len(p), nil
}

func (f *recordedNC) Close() error                { f.closed = true; return nil }
func (f *recordedNC) SetDeadline(time.Time) error { return nil }

// recordedPool is a pool whose one idle connection answers with the
// recorded run's 16 returns.
func recordedPool(t *testing.T, window, failAt int) (*pool, *conn, *recordedNC) {
	raw, err := os.ReadFile(getAttributes16)
	if err != nil {
		t.Fatal(err)
	}
	f := &recordedNC{r: bytes.NewReader(raw), failAt: failAt}
	c := &conn{nc: f, br: bufio.NewReaderSize(f, 32<<10), bw: bufio.NewWriterSize(f, 4<<10), lastUsed: time.Now()}
	c.dec = javaser.NewDecoder(c.br, javaser.DefaultLimits)
	return &pool{max: 1, window: window, idle: []*conn{c}}, c, f
}

// TestPipelinedWindows: doPipelined writes each window of calls with one
// write, a window ending with the call that reaches the window's bytes;
// each return goes to its own call. A failed write leaves that window's
// calls and the rest ErrNotRead (the returns read before it kept) and
// closes the connection; the encoder's buffer is not kept past
// max(64 KiB, twice the window).
func TestPipelinedWindows(t *testing.T) {
	_, _, _, names, attrs := recordedRun(t)
	const call = 202 // bytes of one of the run's getAttributes calls
	for _, tc := range []struct {
		name           string
		window, failAt int
		writes         []int
		read           int // returns read
	}{
		{name: "one window", writes: []int{16 * call}, read: 16},
		{name: "windows of 3 calls", window: 2*call + 1, writes: []int{3 * call, 3 * call, 3 * call, 3 * call, 3 * call, call}, read: 16},
		{name: "windows of one call", window: 1, writes: slices.Repeat([]int{call}, 16), read: 16},
		{name: "second write fails", window: 2*call + 1, failAt: 2, writes: []int{3 * call, 3 * call}, read: 3},
		{name: "first write fails", failAt: 1, writes: []int{16 * call}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, _, f := recordedPool(t, tc.window, tc.failAt)
			vals, errs := p.doPipelined(context.Background(), nil, ObjID{}, HashGetAttributes, len(names), func(e *javaser.Encoder, i int) {
				e.ObjectName(names[i])
				e.StringArray(attrs[i])
				e.Null()
			})
			if !slices.Equal(f.writes, tc.writes) {
				t.Errorf("writes %v, want %v", f.writes, tc.writes)
			}
			for i := range names {
				if i >= tc.read {
					if !errors.Is(errs[i], ErrNotRead) {
						t.Errorf("call %d: %v, want ErrNotRead", i, errs[i])
					}
					continue
				}
				if errs[i] != nil {
					t.Fatalf("call %d: %v", i, errs[i])
				}
				got, _, err := attributesOf(names[i], attrs[i], vals[i])
				if err != nil {
					t.Fatal(err)
				}
				// The bean's own Value (index=100+i).
				want := mbean.Attribute{Name: "Value", Value: mbean.Number{Class: "java.lang.Long", Float: float64(100 + i), Text: strings.TrimPrefix(names[i][:strings.IndexByte(names[i], ',')], "com.example.bulk:index=")}}
				if got[3] != want {
					t.Errorf("call %d: %+v, want %+v", i, got[3], want)
				}
			}
			if failed := tc.failAt > 0; f.closed != failed || (len(p.idle) == 0) != failed {
				t.Errorf("connection closed %v, idle %d", f.closed, len(p.idle))
			}
		})
	}
	t.Run("a huge call", func(t *testing.T) {
		for _, window := range []int{0, 100 << 10} {
			p, c, _ := recordedPool(t, window, 1)
			huge := slices.Repeat([]string{strings.Repeat("x", 1000)}, 150) // 150 KB of attribute names
			p.doPipelined(context.Background(), nil, ObjID{}, HashGetAttributes, 1, func(e *javaser.Encoder, i int) {
				e.ObjectName(names[0])
				e.StringArray(huge)
				e.Null()
			})
			if keep := max(64<<10, 2*window); cap(c.enc.B) > keep {
				t.Errorf("window %d: the encoder keeps %d bytes, more than %d", window, cap(c.enc.B), keep)
			}
		}
	})
}
