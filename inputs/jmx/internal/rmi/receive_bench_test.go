package rmi

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rosetta-adapter/rosetta/inputs/jmx/internal/javaser"
	"github.com/rosetta-adapter/rosetta/inputs/jmx/mbean"
)

// getAttributes16 holds the returns of one pipelined run, recorded from
// the test JVM (testdata/jmx/app, -DbeanAttributes=4): getAttributes of
// com.example.bulk:index=100..115,type=Small for Active, Count, Ratio and
// Value, as the server wrote them on one connection.
const getAttributes16 = "testdata/getattributes16.s2c"

// receiveRun reads the returns of a recorded run with one decoder, as a
// connection does, and converts each, their objects cut from one arena
// as AttributesPipelined's are.
func receiveRun(tb testing.TB, c *conn, r *bytes.Reader, raw []byte, names []string, attrs [][]string) int {
	r.Reset(raw)
	c.br.Reset(r)
	a := getArena()
	c.dec.SetArena(a)
	defer func() {
		c.dec.SetArena(nil)
		putArena(a)
	}()
	n := 0
	for i := range names {
		v, _, err := c.receive(true)
		if err != nil {
			tb.Fatalf("return %d: %v", i, err)
		}
		out, _, err := attributesOf(names[i], attrs[i], v)
		if err != nil {
			tb.Fatal(err)
		}
		n += len(out)
	}
	return n
}

func recordedRun(tb testing.TB) (*conn, *bytes.Reader, []byte, []string, [][]string) {
	raw, err := os.ReadFile(getAttributes16)
	if err != nil {
		tb.Fatal(err)
	}
	var names []string
	var attrs [][]string
	for i := 100; i < 116; i++ {
		names = append(names, "com.example.bulk:index="+strconv.Itoa(i)+",type=Small")
		attrs = append(attrs, []string{"Active", "Count", "Ratio", "Value"})
	}
	r := bytes.NewReader(raw)
	c := &conn{br: bufio.NewReaderSize(r, 32<<10)}
	c.dec = javaser.NewDecoder(c.br, javaser.DefaultLimits)
	return c, r, raw, names, attrs
}

// BenchmarkReceiveAttributes decodes and converts the 16 getAttributes
// returns of a recorded pipelined run (4 attributes each) per op, with
// one decoder as a connection does; allocs/op / 16 is allocations per
// bean.
func BenchmarkReceiveAttributes(b *testing.B) {
	c, r, raw, names, attrs := recordedRun(b)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if n := receiveRun(b, c, r, raw, names, attrs); n != 64 {
			b.Fatalf("%d attributes", n)
		}
	}
}

// TestReceiveRecordedRun decodes the recorded run as the benchmark does
// and checks every value against what the test JVM's beans return
// (TestApp.Wide: isActive v%2==0, getCount v%1000, getRatio v/4.0,
// getValue v).
func TestReceiveRecordedRun(t *testing.T) {
	c, r, raw, names, attrs := recordedRun(t)
	r.Reset(raw)
	c.br.Reset(r)
	for i := range names {
		v, _, err := c.receive(true)
		if err != nil {
			t.Fatalf("return %d: %v", i, err)
		}
		got, drops, err := attributesOf(names[i], attrs[i], v)
		if err != nil {
			t.Fatal(err)
		}
		n := int64(100 + i)
		ratio := strconv.FormatFloat(float64(n)/4, 'f', -1, 64)
		if !strings.Contains(ratio, ".") {
			ratio += ".0" // Java's Double.toString
		}
		want := []mbean.Attribute{
			{Name: "Active", Value: n%2 == 0},
			{Name: "Count", Value: mbean.Number{Class: "java.lang.Integer", Float: float64(n % 1000), Text: strconv.FormatInt(n%1000, 10)}},
			{Name: "Ratio", Value: mbean.Number{Class: "java.lang.Double", Float: float64(n) / 4, Text: ratio}},
			{Name: "Value", Value: mbean.Number{Class: "java.lang.Long", Float: float64(n), Text: strconv.FormatInt(n, 10)}},
		}
		if diff := cmp.Diff(want, got); diff != "" || drops != (AttrDrops{}) {
			t.Errorf("%s (-want +got):\n%s\ndrops %+v", names[i], diff, drops)
		}
	}
	if _, err := c.br.ReadByte(); err != io.EOF {
		t.Errorf("after the 16 returns: %v, want EOF", err)
	}
}

// TestRunBuffersNumbers: the values of the recorded run made in
// RunBuffers (numbers as pointers into its buffer) are those attributesOf
// makes, and Reset clears them.
func TestRunBuffersNumbers(t *testing.T) {
	c, r, raw, names, attrs := recordedRun(t)
	r.Reset(raw)
	c.br.Reset(r)
	var b RunBuffers
	b.nums = make([]mbean.Number, 0, 64)
	ptrs := 0
	for i := range names {
		v, _, err := c.receive(true)
		if err != nil {
			t.Fatalf("return %d: %v", i, err)
		}
		want, _, err := attributesOf(names[i], attrs[i], v)
		if err != nil {
			t.Fatal(err)
		}
		start := len(b.attrs)
		b.attrs, _, err = appendAttributes(b.attrs, &b.nums, names[i], attrs[i], v)
		if err != nil {
			t.Fatal(err)
		}
		got := slices.Clone(b.attrs[start:])
		for j := range got {
			if p, ok := got[j].Value.(*mbean.Number); ok {
				got[j].Value = *p
				ptrs++
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-attributesOf +RunBuffers):\n%s", names[i], diff)
		}
	}
	if ptrs != 48 {
		t.Errorf("%d numbers made in the buffer, want 48 (3 a bean)", ptrs)
	}
	n := &b.nums[0]
	b.Reset()
	if n.Text != "" || len(b.attrs) != 0 {
		t.Errorf("after Reset: number %+v, %d attributes", *n, len(b.attrs))
	}
}
