package jmx

import (
	"context"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// refRecords runs the reference Java client (testdata/jmx/ref) against the
// JVM and returns its output as two-line blocks.
func refRecords(t *testing.T, j *testJVM, pattern string) []string {
	t.Helper()
	java := javaTool(t, "java")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, java, "-cp", testApp(t), "RefClient", "127.0.0.1:"+strconv.Itoa(j.port), pattern).Output()
	if err != nil {
		t.Fatalf("reference client: %v", err)
	}
	return blocks(string(out))
}

func blocks(s string) []string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	var out []string
	for i := 0; i+1 < len(lines); i += 2 {
		out = append(out, lines[i]+"\n"+lines[i+1])
	}
	sort.Strings(out)
	return out
}

// withoutValues drops the value from both lines of a block: the match
// string after its last ": " and the sample after its last space.
func withoutValues(bs []string) []string {
	out := make([]string, 0, len(bs))
	for _, b := range bs {
		m, s, _ := strings.Cut(b, "\n")
		if i := strings.LastIndex(m, ": "); i >= 0 {
			m = m[:i]
		}
		if i := strings.LastIndex(s, " "); i >= 0 {
			s = s[:i]
		}
		out = append(out, m+"\n"+s)
	}
	sort.Strings(out)
	return out
}

// TestGoldenAgainstJavaClient: for the test application, Rosetta's match
// strings and default series equal, line for line, what the reference
// Java JMX client computes with jmx_exporter's semantics. The test
// application's own beans are compared with their values; platform beans,
// whose values move between the two reads, by match string, name and
// labels.
func TestGoldenAgainstJavaClient(t *testing.T) {
	j := startJVM(t, jvmOptions{})
	c := dialTest(t, j, nil)

	t.Run("application beans", func(t *testing.T) {
		want := refRecords(t, j, "com.example:*")
		s := &scraper{client: c, exporter: &Exporter{}, include: []string{"com.example:*"}, workers: 2}
		recs, _, err := s.scrape(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		got := blocks(formatRecords(recs))
		if len(want) < 30 {
			t.Fatalf("reference client printed only %d samples", len(want))
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Rosetta vs the Java client (-java +rosetta):\n%s", diff)
		}
	})

	t.Run("all beans", func(t *testing.T) {
		want := withoutValues(refRecords(t, j, ""))
		s := &scraper{client: c, exporter: &Exporter{}, workers: 4}
		recs, _, err := s.scrape(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		got := withoutValues(blocks(formatRecords(recs)))
		if len(want) < 100 {
			t.Fatalf("reference client printed only %d samples", len(want))
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Rosetta vs the Java client (-java +rosetta):\n%s", diff)
		}
		t.Logf("%d samples equal", len(got))
	})
}
