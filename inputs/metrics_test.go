package inputs

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/rosetta-adapter/rosetta/internal/selfmetric"
)

// The common and poll metrics register under their names; a second
// input's on the same registry is an error of Registering, not a panic.
func TestMetricsRegister(t *testing.T) {
	reg := prometheus.NewRegistry()
	f, errs := selfmetric.Registering(reg)
	m, p := NewMetrics(f), NewPollMetrics(f)
	if err := errs(); err != nil {
		t.Fatal(err)
	}
	m.Samples.Add(3)
	p.Up.WithLabelValues("t").Set(1)
	for _, name := range []string{"rosetta_input_samples_total", "rosetta_input_up"} {
		if n, err := testutil.GatherAndCount(reg, name); err != nil || n != 1 {
			t.Errorf("%s: %d series, %v", name, n, err)
		}
	}
	f, errs = selfmetric.Registering(reg)
	NewMetrics(f)
	if err := errs(); err == nil || !strings.Contains(err.Error(), "duplicate metrics collector registration") {
		t.Errorf("second registration: err = %v, want the conflict", err)
	}
}

// A deadline, the poll's or the connection's, is a timeout and a refused
// dial is refused, however wrapped; anything else is left to the input.
func TestTransportReason(t *testing.T) {
	for err, want := range map[error]string{
		fmt.Errorf("poll: %w", context.DeadlineExceeded):                                               "timeout",
		&net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}:                              "timeout",
		&net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}: "refused",
		&net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}:      "",
		errors.New("protocol error"): "",
	} {
		if got := TransportReason(err); got != want {
			t.Errorf("TransportReason(%v) = %q, want %q", err, got, want)
		}
	}
}
