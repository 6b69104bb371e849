package sdk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"

	"github.com/rosetta-adapter/rosetta/normalize"
	pluginpb "github.com/rosetta-adapter/rosetta/plugins/proto"
	"github.com/rosetta-adapter/rosetta/plugins/shared"
)

// capture collects sent batches (cloned, as the Writer reuses them) and
// decodes them like the host.
type capture struct {
	batches []*pluginpb.Batch
	dec     *shared.Decoder
	recs    []normalize.Record
}

func newCapture() *capture { return &capture{dec: shared.NewDecoder(shared.Limits{})} }

func (c *capture) send(b *pluginpb.Batch) error {
	cl := proto.Clone(b).(*pluginpb.Batch)
	c.batches = append(c.batches, cl)
	var out shared.Decoded
	if err := c.dec.Decode(cl, &out); err != nil {
		return err
	}
	if len(out.Invalid) > 0 {
		return fmt.Errorf("invalid: %v", out.Invalid)
	}
	c.recs = append(c.recs, out.Records...)
	return nil
}

func TestWriter(t *testing.T) {
	c := newCapture()
	w := newWriter(c.send, 3, 4)
	g := NewGauge("g", "G.")
	ctr := NewCounter("c_total", "C.")
	h := NewHistogram("h", "H.", 1, 2)
	if err := w.Add(g, 1, "a", "x"); err != nil {
		t.Fatal(err)
	}
	if err := w.Sample(ctr).Label("a", "x").Label("b", "y").Delta().Value(2); err != nil {
		t.Fatal(err)
	}
	if len(c.batches) != 0 {
		t.Fatalf("sent %d batches before the batch was full", len(c.batches))
	}
	if err := w.AddDist(h, Dist{Count: 3, Sum: 4, BucketCounts: []uint64{1, 2}}); err != nil {
		t.Fatal(err)
	}
	if len(c.batches) != 1 {
		t.Fatalf("sent %d batches, want 1 (full at 3 samples)", len(c.batches))
	}
	// The next batch repeats neither symbols nor families.
	w.CountError("parse")
	if err := w.Add(g, 5, "a", "x"); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if b := c.batches[1]; len(b.Symbols) != 0 || len(b.Families) != 0 || b.Errors["parse"] != 1 {
		t.Errorf("second batch %v, want no table entries and errors{parse}=1", b)
	}
	// More than 4 symbols: the batch after next resets the tables.
	if err := w.Add(g, 6, "p", "q", "r", "s"); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := w.Add(g, 7, "a", "x"); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if b := c.batches[3]; !b.Reset_ || len(b.Symbols) != 2 || len(b.Families) != 1 {
		t.Errorf("batch after the table limit %v, want reset with its symbols and family again", b)
	}
	want := []normalize.Record{
		{Match: "g", Labels: normalize.Labels{{Name: "a", Value: "x"}}, Value: 1, Type: normalize.TypeGauge, Help: "G."},
		{Match: "c_total", Labels: normalize.Labels{{Name: "a", Value: "x"}, {Name: "b", Value: "y"}}, Value: 2, Type: normalize.TypeCounter, Delta: true, Help: "C."},
		{Match: "h", Type: normalize.TypeHistogram, Help: "H.", Dist: &normalize.Distribution{Count: 3, Sum: 4, Buckets: []normalize.Bucket{{UpperBound: 1, Count: 1}, {UpperBound: 2, Count: 2}}}},
		{Match: "g", Labels: normalize.Labels{{Name: "a", Value: "x"}}, Value: 5, Type: normalize.TypeGauge, Help: "G."},
		{Match: "g", Labels: normalize.Labels{{Name: "p", Value: "q"}, {Name: "r", Value: "s"}}, Value: 6, Type: normalize.TypeGauge, Help: "G."},
		{Match: "g", Labels: normalize.Labels{{Name: "a", Value: "x"}}, Value: 7, Type: normalize.TypeGauge, Help: "G."},
	}
	if diff := cmp.Diff(want, c.recs); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
}

func TestWriterErrors(t *testing.T) {
	sendErr := errors.New("broken pipe")
	w := newWriter(func(*pluginpb.Batch) error { return sendErr }, 1, 0)
	g := NewGauge("g", "")
	if err := w.Add(g, 1, "odd"); err == nil || !strings.Contains(err.Error(), "odd number") {
		t.Errorf("odd labels: %v", err)
	}
	if err := w.Add(NewHistogram("h", ""), 1); err == nil || !strings.Contains(err.Error(), "use AddDist") {
		t.Errorf("Add on a histogram: %v", err)
	}
	if err := w.AddDist(g, Dist{}); err == nil || !strings.Contains(err.Error(), "use Add") {
		t.Errorf("AddDist on a gauge: %v", err)
	}
	if err := w.Add(g, 1); !errors.Is(err, ErrClosed) || !errors.Is(err, sendErr) {
		t.Errorf("send failure: %v, want ErrClosed wrapping it", err)
	}
	if err := w.Add(g, 1); !errors.Is(err, ErrClosed) {
		t.Errorf("after a send failure: %v, want ErrClosed", err)
	}
}

func TestConfigDecode(t *testing.T) {
	type cfg struct {
		PIDs []int `yaml:"pids"`
		Name string
	}
	tests := []struct {
		yaml string
		want []*ConfigError
	}{
		{"", nil},
		{"pids: [1]\n", nil},
		{"pids: [1]\nbogus: 2\n", []*ConfigError{{Line: 2, Message: "field bogus not found in type sdk.cfg"}}},
		{"pids: [x]\n", []*ConfigError{{Line: 1, Message: "cannot unmarshal !!str `x` into int"}}},
		{"pids: [\n", []*ConfigError{{Line: 1, Message: "did not find expected node content"}}},
	}
	for _, tc := range tests {
		t.Run(tc.yaml, func(t *testing.T) {
			var v cfg
			err := Config{YAML: tc.yaml}.Decode(&v)
			if diff := cmp.Diff(tc.want, configErrors(err)); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestConfigErrorsFlatten(t *testing.T) {
	err := errors.Join(
		FieldError("a", "%d is bad", 1),
		fmt.Errorf("wrapped: %w", FieldError("b[0]", "bad")),
		errors.New("plain"),
	)
	want := []*ConfigError{{Path: "a", Message: "1 is bad"}, {Path: "b[0]", Message: "bad"}, {Message: "plain"}}
	if diff := cmp.Diff(want, configErrors(err)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

type fakeDriver struct{ info Info }

func (f fakeDriver) Info() Info                            { return f.info }
func (fakeDriver) Configure(context.Context, Config) error { return nil }

type fakePuller struct{ fakeDriver }

func (fakePuller) Collect(context.Context, *Writer) error { return nil }

func TestCheck(t *testing.T) {
	tests := []struct {
		d    Driver
		want string
	}{
		{fakePuller{fakeDriver{Info{Name: "ok", Mode: Pull}}}, ""},
		{fakePuller{fakeDriver{Info{Name: "ok", Mode: Push}}}, "no Run method"},
		{fakeDriver{Info{Name: "ok", Mode: Pull}}, "no Collect method"},
		{fakeDriver{Info{Name: "bad name", Mode: Pull}}, `"bad name" must match`},
		{fakeDriver{Info{Name: "m"}}, "neither Push nor Pull"},
	}
	for _, tc := range tests {
		err := check(tc.d)
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("check(%+v) = %v, want %q", tc.d.Info(), err, tc.want)
		}
	}
	if err := Serve(fakePuller{fakeDriver{Info{Name: "ok", Mode: Pull}}}); !errors.Is(err, ErrNotLaunched) {
		t.Errorf("Serve outside Rosetta: %v, want ErrNotLaunched", err)
	}
}

func TestLoggerFormat(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := stderr
	stderr = w
	defer func() { stderr = old }()
	Logger().Warn("disk slow", "device", "sda")
	w.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("%q: %v", buf.String(), err)
	}
	want := map[string]any{"@level": "warn", "@message": "disk slow", "device": "sda"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("log line (-want +got):\n%s", diff)
	}
}

// BenchmarkWriter measures the SDK side of a stream: Add with three labels
// into batches of 1024 that are marshalled as gRPC would.
func BenchmarkWriter(b *testing.B) {
	var bytesOut int
	w := newWriter(func(batch *pluginpb.Batch) error {
		out, err := proto.Marshal(batch)
		bytesOut += len(out)
		return err
	}, 1024, 0)
	g := NewGauge("g", "")
	hosts := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_ = w.Add(g, float64(i), "host", hosts[i&7], "shard", hosts[(i>>3)&7], "kind", "bench")
		i++
	}
	b.ReportMetric(float64(bytesOut)/float64(b.N), "wire-B/sample")
}
