package plugin

import (
	"bytes"
	"context"
	"io"
	"log"
	"log/slog"
	"strings"
	"sync"

	"github.com/hashicorp/go-hclog"

	"github.com/rosetta-adapter/rosetta/inputs"
)

// slogHCLog adapts Rosetta's slog logger to the hclog.Logger go-plugin
// wants. go-plugin parses the plugin's JSON stderr lines and logs them
// through it, so plugin logs land in Rosetta's log at their own level.
type slogHCLog struct {
	l     *slog.Logger
	name  string
	args  []any
	level hclog.Level
}

func newHCLog(l *slog.Logger) hclog.Logger {
	return &slogHCLog{l: l, level: hclog.Debug}
}

var _ hclog.Logger = (*slogHCLog)(nil)

func toSlogLevel(level hclog.Level) slog.Level {
	switch level {
	case hclog.Trace, hclog.Debug:
		return slog.LevelDebug
	case hclog.Info, hclog.NoLevel, hclog.DefaultLevel:
		return slog.LevelInfo
	case hclog.Warn:
		return slog.LevelWarn
	default:
		return slog.LevelError
	}
}

func (h *slogHCLog) Log(level hclog.Level, msg string, args ...any) {
	if level == hclog.Off {
		return
	}
	sl := toSlogLevel(level)
	if !h.l.Enabled(context.Background(), sl) {
		return
	}
	all := make([]any, 0, len(h.args)+len(args)+2)
	all = append(all, h.args...)
	for i := 0; i+1 < len(args); i += 2 {
		k, _ := args[i].(string)
		if k == "timestamp" || k == "" {
			continue // Rosetta's log has its own time.
		}
		if k == "error" {
			k = "err"
		}
		all = append(all, k, args[i+1])
	}
	if h.name != "" {
		all = append(all, "logger", h.name)
	}
	h.l.Log(context.Background(), sl, msg, all...)
}

func (h *slogHCLog) Trace(msg string, args ...any) { h.Log(hclog.Trace, msg, args...) }
func (h *slogHCLog) Debug(msg string, args ...any) { h.Log(hclog.Debug, msg, args...) }
func (h *slogHCLog) Info(msg string, args ...any)  { h.Log(hclog.Info, msg, args...) }
func (h *slogHCLog) Warn(msg string, args ...any)  { h.Log(hclog.Warn, msg, args...) }
func (h *slogHCLog) Error(msg string, args ...any) { h.Log(hclog.Error, msg, args...) }

func (h *slogHCLog) IsTrace() bool { return h.enabled(slog.LevelDebug) }
func (h *slogHCLog) IsDebug() bool { return h.enabled(slog.LevelDebug) }
func (h *slogHCLog) IsInfo() bool  { return h.enabled(slog.LevelInfo) }
func (h *slogHCLog) IsWarn() bool  { return h.enabled(slog.LevelWarn) }
func (h *slogHCLog) IsError() bool { return h.enabled(slog.LevelError) }

func (h *slogHCLog) enabled(l slog.Level) bool { return h.l.Enabled(context.Background(), l) }

func (h *slogHCLog) ImpliedArgs() []any { return h.args }

func (h *slogHCLog) With(args ...any) hclog.Logger {
	c := *h
	c.args = append(append([]any(nil), h.args...), args...)
	return &c
}

func (h *slogHCLog) Name() string { return h.name }

func (h *slogHCLog) Named(name string) hclog.Logger {
	c := *h
	if c.name != "" {
		c.name += "." + name
	} else {
		c.name = name
	}
	return &c
}

func (h *slogHCLog) ResetNamed(name string) hclog.Logger {
	c := *h
	c.name = name
	return &c
}

func (h *slogHCLog) SetLevel(level hclog.Level) { h.level = level }

func (h *slogHCLog) GetLevel() hclog.Level {
	if !h.enabled(slog.LevelDebug) {
		return hclog.Info
	}
	return hclog.Debug
}

func (h *slogHCLog) StandardLogger(opts *hclog.StandardLoggerOptions) *log.Logger {
	return log.New(h.StandardWriter(opts), "", 0)
}

func (h *slogHCLog) StandardWriter(*hclog.StandardLoggerOptions) io.Writer {
	return &lineWriter{log: func(line string) { h.Info(line) }}
}

// lineWriter calls log for each complete line written to it; partial
// lines wait for their end (bounded to 64 KiB).
type lineWriter struct {
	mu  sync.Mutex
	buf []byte
	log func(string)
	// ctx, if set, gets a panic in Write reported (inputs.Recover): the
	// writer runs on a goroutine of go-plugin's.
	ctx context.Context
}

func (w *lineWriter) Write(p []byte) (int, error) {
	if w.ctx != nil {
		defer inputs.Recover(w.ctx)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	// One pass over what is buffered: converting the whole rest to a
	// string for every line made a write of many lines quadratic.
	start := 0
	for {
		i := bytes.IndexByte(w.buf[start:], '\n')
		if i < 0 {
			break
		}
		if line := strings.TrimRight(string(w.buf[start:start+i]), "\r"); line != "" {
			w.log(line)
		}
		start += i + 1
	}
	n := copy(w.buf, w.buf[start:])
	w.buf = w.buf[:n]
	if len(w.buf) > 64<<10 {
		w.log(string(w.buf))
		w.buf = w.buf[:0]
	}
	if cap(w.buf) > 128<<10 && len(w.buf) < 4<<10 {
		w.buf = append([]byte(nil), w.buf...) // let a burst's buffer go
	}
	return len(p), nil
}

// tail keeps the last lines written to it, for error messages about a
// plugin that failed to start.
type tail struct {
	mu    sync.Mutex
	lines []string
	part  []byte
}

const tailLines = 8

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, c := range p {
		if c != '\n' {
			if len(t.part) < 1024 {
				t.part = append(t.part, c)
			}
			continue
		}
		if line := strings.TrimSpace(string(t.part)); line != "" {
			t.lines = append(t.lines, line)
			if len(t.lines) > tailLines {
				t.lines = t.lines[1:]
			}
		}
		t.part = t.part[:0]
	}
	return len(p), nil
}

// String returns the kept lines joined by "; ".
func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Join(t.lines, "; ")
}
