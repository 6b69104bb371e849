package jmx

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestJolokiaMatchesRMI: the same JVM read over RMI and over Jolokia (the
// real jolokia-core) gives the same bean strings and default series.
func TestJolokiaMatchesRMI(t *testing.T) {
	jport := freePort(t)
	j := startJVM(t, jvmOptions{jolokiaPort: jport})
	ctx := ctxT(t)
	c := dialTest(t, j, nil)
	rmi := &scraper{client: c, exporter: &Exporter{}, include: []string{"com.example:*"}, workers: 2}
	want, _, err := rmi.scrape(ctx)
	if err != nil {
		t.Fatal(err)
	}
	jc := NewJolokiaClient(JolokiaOptions{URL: "http://127.0.0.1:" + strconv.Itoa(jport) + "/jolokia/"})
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
	jport := freePort(t)
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
	jc := NewJolokiaClient(JolokiaOptions{URL: "http://127.0.0.1:" + strconv.Itoa(jport) + "/jolokia/"})
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
