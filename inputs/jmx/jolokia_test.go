package jmx

import (
	"context"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/rosetta-adapter/rosetta/inputs"
	"github.com/rosetta-adapter/rosetta/inputs/jmx/internal/jolokia"
	rtestutil "github.com/rosetta-adapter/rosetta/internal/testutil"
)

// TestJolokiaMatchesRMI: the same JVM read over RMI and over Jolokia (the
// real jolokia-core) gives the same bean strings and default series.
func TestJolokiaMatchesRMI(t *testing.T) {
	jport := rtestutil.FreePort(t)
	j := startJVM(t, jvmOptions{jolokiaPort: jport})
	ctx := ctxT(t)
	c := dialTest(t, j, nil)
	rmi := &scraper{client: c, exporter: &Exporter{}, include: []string{"com.example:*"}, workers: 2}
	want, _, err := rmi.scrape(ctx)
	if err != nil {
		t.Fatal(err)
	}
	jc := jolokia.NewClient(jolokia.Options{URL: "http://127.0.0.1:" + strconv.Itoa(jport) + "/jolokia/"})
	js := &jolokiaScraper{client: jc, exporter: &Exporter{}, include: []string{"com.example:*"}}
	got, st, err := js.scrape(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("jolokia stats %+v", st)
	if diff := cmp.Diff(blocks(formatRecords(want)), blocks(formatRecords(got))); diff != "" {
		t.Errorf("RMI vs Jolokia (-rmi +jolokia):\n%s", diff)
	}
}

// TestJolokiaPlatformBeans: all beans of the JVM, by match string, name
// and labels (values move between the two reads). Known difference:
// TabularData nested in CompositeData (GcInfo's memoryUsageBeforeGc and
// memoryUsageAfterGc) cannot be told from a composite in Jolokia's JSON,
// so those lines are left out.
func TestJolokiaPlatformBeans(t *testing.T) {
	jport := rtestutil.FreePort(t)
	j := startJVM(t, jvmOptions{jolokiaPort: jport})
	ctx := ctxT(t)
	// A GC first, so that LastGcInfo is set for both reads.
	if out, err := exec.Command(javaTool(t, "jcmd"), strconv.Itoa(j.cmd.Process.Pid), "GC.run").CombinedOutput(); err != nil {
		t.Fatalf("jcmd GC.run: %v\n%s", err, out)
	}
	c := dialTest(t, j, nil)
	rmi := &scraper{client: c, exporter: &Exporter{}, workers: 2}
	want, _, err := rmi.scrape(ctx)
	if err != nil {
		t.Fatal(err)
	}
	jc := jolokia.NewClient(jolokia.Options{URL: "http://127.0.0.1:" + strconv.Itoa(jport) + "/jolokia/"})
	js := &jolokiaScraper{client: jc, exporter: &Exporter{}}
	got, _, err := js.scrape(ctx)
	if err != nil {
		t.Fatal(err)
	}
	drop := func(bs []string) []string {
		var out []string
		for _, b := range bs {
			if !strings.Contains(b, "memoryUsageBeforeGc") && !strings.Contains(b, "memoryUsageAfterGc") {
				out = append(out, b)
			}
		}
		return out
	}
	w, g := drop(withoutValues(blocks(formatRecords(want)))), drop(withoutValues(blocks(formatRecords(got))))
	if len(w) < 100 {
		t.Fatalf("only %d samples over RMI", len(w))
	}
	if diff := cmp.Diff(w, g); diff != "" {
		t.Errorf("RMI vs Jolokia (-rmi +jolokia):\n%s", diff)
	}
}

// TestDriverJolokiaBasicAuth: the driver over Jolokia with basic auth; a
// wrong password is an auth error and no series.
func TestDriverJolokiaBasicAuth(t *testing.T) {
	jport := rtestutil.FreePort(t)
	startJVM(t, jvmOptions{jolokiaPort: jport, props: []string{"-Djolokia.user=monitor", "-Djolokia.password=s3cret"}})
	for _, tc := range []struct {
		name, password string
		ok             bool
	}{{"good", "s3cret", true}, {"wrong", "nope", false}} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig
			cfg.JolokiaURL = "http://127.0.0.1:" + strconv.Itoa(jport) + "/jolokia/"
			cfg.Username, cfg.Password = "monitor", Secret(tc.password)
			cfg.IncludeObjectNames = []string{"com.example:*"}
			cfg.Interval = 200 * time.Millisecond
			drv, err := New(inputs.Settings{Name: "jolokia"}, &cfg)
			if err != nil {
				t.Fatal(err)
			}
			app := newFakeAppender()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- drv.Run(ctx, app) }()
			target := "127.0.0.1:" + strconv.Itoa(jport)
			if tc.ok {
				c := app.next(t, "series", 15*time.Second, func(c replaceCall) bool { return c.n > 0 })
				if v, ok := c.match["com.example<type=Types, name=all><>Count: 42"]; !ok || v != 42 {
					t.Errorf("Count: %v %v", v, ok)
				}
				if c.source != "jolokia/"+target {
					t.Errorf("source %q", c.source)
				}
			} else {
				deadline := time.Now().Add(15 * time.Second)
				for testutil.ToFloat64(drv.m.PollErrors.WithLabelValues(target, "auth")) == 0 {
					if time.Now().After(deadline) {
						t.Fatal("no auth poll error")
					}
					time.Sleep(50 * time.Millisecond)
				}
				if len(app.calls) != 0 {
					t.Errorf("%d Replace calls with a wrong password", len(app.calls))
				}
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		})
	}
}
