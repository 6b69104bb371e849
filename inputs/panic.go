package inputs

import (
	"fmt"
	"runtime/debug"
)

// PanicError is a panic recovered in an input's goroutine, with the stack
// where it happened. A driver that recovers one in a goroutine its Run
// needs returns it from Run; the manager counts it
// (rosetta_input_panics_total), logs the stack and restarts the input.
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
