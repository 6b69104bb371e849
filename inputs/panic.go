package inputs

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
)

// PanicError is a panic recovered in an input's goroutine, with the stack
// where it happened. The manager counts it (rosetta_input_panics_total),
// logs the stack and restarts the input with backoff.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// Safe runs fn and turns a panic in it into a *PanicError.
func Safe(fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &PanicError{Value: p, Stack: debug.Stack()}
		}
	}()
	return fn()
}

type panicHandlerKey struct{}

// WithPanicHandler returns a context whose inputs.Go goroutines (and
// callbacks guarded by Recover) report a panic to h instead of ending the
// process. The manager gives one to each run of a driver: h counts and
// logs the panic and cancels the run, and the input is restarted.
func WithPanicHandler(ctx context.Context, h func(*PanicError)) context.Context {
	return context.WithValue(ctx, panicHandlerKey{}, h)
}

// Go starts fn in a new goroutine counted in wg (if not nil). A panic in
// fn is recovered and reported to ctx's panic handler (WithPanicHandler);
// fn's own deferred calls run first, so it can release what it holds.
// Every goroutine of a driver is started this way (or guards itself with
// Recover): one panicking parse restarts its input, not the process.
func Go(ctx context.Context, wg *sync.WaitGroup, fn func()) {
	if wg != nil {
		wg.Add(1)
	}
	go func() {
		if wg != nil {
			defer wg.Done()
		}
		defer Recover(ctx)
		fn()
	}()
}

// Recover reports a panic to ctx's panic handler. It is deferred directly
// (defer inputs.Recover(ctx)) at the top of a goroutine or callback an
// input does not start itself (a library's copier calling our writer,
// say). Without a handler (a one-shot tool, a test) the panic goes on.
func Recover(ctx context.Context) {
	p := recover()
	if p == nil {
		return
	}
	pe := &PanicError{Value: p, Stack: debug.Stack()}
	if ctx == nil {
		panic(pe)
	}
	if h, ok := ctx.Value(panicHandlerKey{}).(func(*PanicError)); ok {
		h(pe)
		return
	}
	panic(pe)
}

// faultHook is set by tests only (SetFaultHook).
var faultHook atomic.Pointer[func(input, point string)]

// Fault marks a point where a driver's goroutine handles untrusted input
// (a parse of a packet, a body, a reply). It does nothing unless a test
// set a hook: the isolation tests make it panic there, in the goroutine
// where a real parser bug would.
func Fault(input, point string) {
	if h := faultHook.Load(); h != nil {
		(*h)(input, point)
	}
}

// SetFaultHook makes Fault call h until the returned function is called.
// For tests.
func SetFaultHook(h func(input, point string)) (restore func()) {
	faultHook.Store(&h)
	return func() { faultHook.Store(nil) }
}
