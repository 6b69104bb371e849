package parsing

import (
	"context"
	"errors"
	"fmt"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// Parser turns one response body into records. A Parser is safe for
// concurrent use (targets of one input poll in parallel): it keeps no state
// between calls. It must not retain body after Parse returns; the records
// it emits are kept by the caller, so their strings and label slices must
// not share memory the parser reuses.
//
// An error means the body as a whole is unusable: the driver discards the
// records emitted so far and marks the target down.
type Parser interface {
	Parse(body []byte, emit func(normalize.Record)) error
}

// ParserFunc adapts a function to Parser.
type ParserFunc func(body []byte, emit func(normalize.Record)) error

// Parse calls f.
func (f ParserFunc) Parse(body []byte, emit func(normalize.Record)) error { return f(body, emit) }

// Error is a failed poll or parse with a short reason for the self-metrics
// (rosetta_input_poll_errors_total{reason}).
type Error struct {
	Reason string
	Err    error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given reason.
func Errorf(reason, format string, args ...any) error {
	return &Error{Reason: reason, Err: fmt.Errorf(format, args...)}
}

// Reason returns the reason of the first *Error in err's chain, or
// fallback.
func Reason(err error, fallback string) string {
	var e *Error
	if errors.As(err, &e) && e.Reason != "" {
		return e.Reason
	}
	return fallback
}

// Stopped is the error of a parse that ctx ended after read of size bytes:
// reason "timeout" for the poll's deadline, "canceled" otherwise.
func Stopped(ctx context.Context, read, size int) error {
	reason := "canceled"
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		reason = "timeout"
	}
	return Errorf(reason, "parse stopped after %d of %d bytes: %w", read, size, ctx.Err())
}

// ContextParser is a parser that stops when ctx ends (the poll timeout),
// for formats whose parse can take long on a hostile body; it is handed
// the Content-Type as ParseContentType is. The driver calls ParseContext
// first when a parser has it.
type ContextParser interface {
	ParseContext(ctx context.Context, body []byte, contentType string, emit func(normalize.Record)) error
}

// ContentTypeParser is a Parser that also uses the response's Content-Type
// (the exposition parser tells OpenMetrics from Prometheus text by it). The
// driver calls ParseContentType instead of Parse when a parser has it.
type ContentTypeParser interface {
	Parser
	ParseContentType(body []byte, contentType string, emit func(normalize.Record)) error
}

// UTF8Replacer is a Parser that reads a body that is not valid UTF-8 as
// encoding/json does (each byte of a string that does not start valid
// UTF-8 is U+FFFD; such a byte outside a string is invalid JSON). The
// driver hands it such a body, and counts it, instead of failing the poll
// with invalid_utf8.
type UTF8Replacer interface {
	Parser
	ReplacesInvalidUTF8()
}
