package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/rosetta-adapter/rosetta/inputs"
	"github.com/rosetta-adapter/rosetta/inputs/app/expo"
	rtestutil "github.com/rosetta-adapter/rosetta/internal/testutil"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// TestPollTimeoutStopsExpositionParse (issue 17): a target whose body
// takes far longer to parse than the poll timeout has its parse stopped
// inside the Prometheus text parser at the timeout (the log says how much
// of the body it had read), counted as reason "timeout" with up 0; a
// half-read body stores nothing, the other target is stored throughout,
// and the next good body is served again.
func TestPollTimeoutStopsExpositionParse(t *testing.T) {
	var huge strings.Builder
	for i := 0; huge.Len() < 12<<20; i++ {
		fmt.Fprintf(&huge, "big{i=\"%d\",pad=\"%s\"} %d\n", i, "xxxxxxxxxxxxxxxx", i)
	}
	var bad atomic.Bool
	bad.Store(true)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if bad.Load() {
			fmt.Fprint(w, huge.String())
			return
		}
		fmt.Fprint(w, "# TYPE good gauge\ngood 1\n")
	}))
	defer slow.Close()
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, "# TYPE other gauge\nother 2\n")
	}))
	defer other.Close()

	// The timeout is a quarter of what parsing this body takes here and
	// now (a fixed one let a fast machine finish the parse in time): the
	// fetch over loopback, a copy, fits in it; the parse does not.
	t0 := time.Now()
	if err := expo.New().ParseContentType([]byte(huge.String()), "", func(normalize.Record) {}); err != nil {
		t.Fatal(err)
	}
	timeout := max(time.Since(t0)/4, 20*time.Millisecond)
	t.Logf("parsing the body takes %v; poll timeout %v", time.Since(t0), timeout)
	f := factoryOf(t, "prometheus")
	cfg := decodeTest(t, f, fmt.Sprintf("targets: [%q, %q]\ntarget_label: instance\ninterval: %s\ntimeout: %s\nmax_body_size: 32MiB\n", slow.URL, other.URL, 2*timeout, timeout))
	reg := prometheus.NewPedanticRegistry()
	logs := &rtestutil.Buffer{}
	d, err := f.New(inputs.Settings{Name: "app", Registerer: reg, Logger: slog.New(slog.NewTextHandler(logs, nil))}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = d.Run(ctx, rec) }()
	defer func() { cancel(); <-done }()

	// The fetch of 12 MiB over loopback may itself time out on a busy
	// machine; a later poll gets to the parse.
	stopped := regexp.MustCompile(`parse stopped after (\d+) of (\d+) bytes`)
	if !rtestutil.Poll(60*time.Second, func() bool { return stopped.MatchString(logs.String()) }) {
		t.Fatalf("no poll's parse was stopped by the timeout within 60s; log:\n%s", logs.String())
	}
	m := stopped.FindStringSubmatch(logs.String())
	read, _ := strconv.Atoi(m[1])
	size, _ := strconv.Atoi(m[2])
	t.Logf("the parse stopped at the timeout after %d of %d bytes", read, size)
	if read >= size {
		t.Errorf("the parse read the whole body (%d bytes) before it stopped", size)
	}
	if n := pollErrors(t, reg, slow.URL, "timeout"); n < 1 {
		t.Errorf("poll errors{reason=timeout} = %v", n)
	}
	if up := testutil.ToFloat64(mustVec(t, reg, "rosetta_input_up", slow.URL)); up != 0 {
		t.Errorf("up = %v after a timed-out poll", up)
	}
	if got := rec.get("app/" + slow.URL); len(got) != 0 {
		t.Errorf("%d records of a half-read body stored", len(got))
	}
	if got := rec.get("app/" + other.URL); len(got) != 1 || got[0].Value != 2 {
		t.Errorf("the other target's records: %+v", got)
	}
	bad.Store(false)
	waitFor(t, "the good body served again", func() bool {
		got := rec.get("app/" + slow.URL)
		return len(got) == 1 && got[0].Match == "good"
	})
}
