package watch

import (
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/rosetta-adapter/rosetta/internal/tick"
)

// DefaultInterval is the poll interval used when New is given zero or less.
// The kubelet itself takes up to a minute (its sync period plus the
// ConfigMap cache TTL) to update a mounted ConfigMap, so a second more is
// noise, and reading a few small files every second costs nothing.
const DefaultInterval = time.Second

// readBufSize is the buffer a poll reads files through.
const readBufSize = 32 << 10

// state is what one poll saw of one file.
type state struct {
	sum     [sha256.Size]byte
	missing bool   // the path does not exist (or a symlink on it dangles)
	err     string // any other read error, by its text
}

func (s state) String() string {
	switch {
	case s.missing:
		return "missing"
	case s.err != "":
		return "unreadable"
	default:
		return "present"
	}
}

// Watcher polls a set of files and reports changes of their content.
// Its methods may be called from any goroutine.
type Watcher struct {
	logger   *slog.Logger
	interval time.Duration

	mu    sync.Mutex
	paths []string
	seen  map[string]state

	// readMu serializes polls, which share buf.
	readMu sync.Mutex
	buf    []byte
}

// New returns a Watcher for paths (duplicates and empty strings are
// ignored). It records the current content of every path at once, so
// only later changes are reported. A nil logger discards logs.
func New(logger *slog.Logger, paths []string, interval time.Duration) *Watcher {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if interval <= 0 {
		interval = DefaultInterval
	}
	w := &Watcher{logger: logger, interval: interval}
	w.SetPaths(paths)
	return w
}

// Interval returns the poll interval.
func (w *Watcher) Interval() time.Duration { return w.interval }

// Paths returns the watched paths, sorted.
func (w *Watcher) Paths() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.paths)
}

// SetPaths replaces the set of watched files, for a reload whose new
// config names other mapping files. Paths already watched keep their last
// seen content, so a change that happened since is still reported; new
// paths are read now and only their later changes are reported.
// SetPaths may be called from inside the onChange callback.
func (w *Watcher) SetPaths(paths []string) {
	clean := make([]string, 0, len(paths))
	for _, p := range paths {
		if p != "" {
			clean = append(clean, p)
		}
	}
	slices.Sort(clean)
	clean = slices.Compact(clean)

	w.mu.Lock()
	old := w.seen
	w.mu.Unlock()

	seen := make(map[string]state, len(clean))
	w.readMu.Lock()
	for _, p := range clean {
		if s, ok := old[p]; ok {
			seen[p] = s
			continue
		}
		seen[p] = read(p, w.readBuf())
	}
	w.readMu.Unlock()

	w.mu.Lock()
	w.paths = clean
	w.seen = seen
	w.mu.Unlock()
}

// Check reads every watched file once and reports which of them changed
// since the last Check (or since New or SetPaths added them). It records
// what it saw, so each change is reported once.
func (w *Watcher) Check() (changed []string) {
	w.mu.Lock()
	paths := slices.Clone(w.paths)
	w.mu.Unlock()

	now := make(map[string]state, len(paths))
	w.readMu.Lock()
	for _, p := range paths {
		now[p] = read(p, w.readBuf())
	}
	w.readMu.Unlock()

	w.mu.Lock()
	defer w.mu.Unlock()
	for _, p := range paths {
		before, ok := w.seen[p]
		if !ok {
			// SetPaths removed it while we were reading.
			continue
		}
		after := now[p]
		if after == before {
			continue
		}
		w.seen[p] = after
		changed = append(changed, p)
		w.logger.Info("watched file changed", "path", p, "was", before.String(), "now", after.String())
		if after.err != "" {
			w.logger.Warn("watched file unreadable", "path", p, "err", after.err)
		}
	}
	return changed
}

// Run polls every interval until ctx ends, and calls onChange once per
// poll that saw at least one changed file. onChange runs on Run's
// goroutine: polling waits while it runs, and changes made meanwhile are
// reported by the next poll. Run returns when ctx is done.
func (w *Watcher) Run(ctx context.Context, onChange func()) {
	tick.Every(ctx, w.interval, func() {
		if changed := w.Check(); len(changed) > 0 && ctx.Err() == nil {
			onChange()
		}
	})
}

// readBuf returns the poll buffer; the caller holds readMu.
func (w *Watcher) readBuf() []byte {
	if w.buf == nil {
		w.buf = make([]byte, readBufSize)
	}
	return w.buf
}

// read hashes the content of the file at path, following symlinks,
// streaming it through buf so that a large file costs no large allocation.
func read(path string, buf []byte) state {
	f, err := os.Open(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return state{missing: true}
	case err != nil:
		return state{err: err.Error()}
	}
	defer f.Close()
	h := sha256.New()
	// Hide *os.File's WriteTo, which would copy through a buffer of its own.
	if _, err := io.CopyBuffer(h, struct{ io.Reader }{f}, buf); err != nil {
		return state{err: err.Error()}
	}
	var s state
	h.Sum(s.sum[:0])
	return s
}
