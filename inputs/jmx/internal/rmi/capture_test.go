package rmi

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"

	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rosetta-adapter/rosetta/inputs/jmx/internal/javaser"
	"github.com/rosetta-adapter/rosetta/inputs/jmx/mbean"
)

const (
	captureS2C = "testdata/capture/01_127.0.0.1_19999.s2c"
	captureC2S = "testdata/capture/01_127.0.0.1_19999.c2s"
)

// captured is one JRMP message of the capture, numbered as annotated.txt
// numbers them (the ProtocolAck is #1).
type captured struct {
	num   int
	kind  byte // JRMPReturn, JRMPPingAck, JRMPCall, JRMPPing, JRMPDGCAck
	ack   UID
	exc   bool
	value any
	raw   []byte // the message's bytes, code included
}

// splitS2C decodes every message the server sent.
func splitS2C(t testing.TB, data []byte) []captured {
	t.Helper()
	cr := &countingReader{r: bytes.NewReader(data)}
	br := bufio.NewReader(cr)
	pos := func() int { return cr.n - br.Buffered() }
	b, _ := br.ReadByte()
	if b != JRMPProtocolAck {
		t.Fatalf("capture starts with 0x%02x", b)
	}
	var n [2]byte
	_, _ = io.ReadFull(br, n[:])
	_, _ = br.Discard(int(n[0])<<8 | int(n[1]) + 4)
	dec := javaser.NewDecoder(br, javaser.DefaultLimits)
	var out []captured
	for num := 2; ; num++ {
		start := pos()
		code, err := br.ReadByte()
		if errors.Is(err, io.EOF) {
			return out
		}
		m := captured{num: num, kind: code}
		switch code {
		case JRMPPingAck:
		case JRMPReturn:
			dec.Reset()
			if err := dec.ReadHeader(); err != nil {
				t.Fatalf("#%d: %v", num, err)
			}
			blk, err := dec.ReadBlock()
			if err != nil || len(blk) != 15 {
				t.Fatalf("#%d: return header %x: %v", num, blk, err)
			}
			m.ack = parseUID(blk[1:])
			m.exc = blk[0] == jrmpExcReturn
			// void returns (close) carry no value: the stream ends.
			if _, err := br.Peek(1); err == nil {
				if c, _ := br.Peek(1); c[0] >= javaser.TCNull && c[0] <= javaser.TCEnum {
					if m.value, err = dec.ReadObject(); err != nil {
						t.Fatalf("#%d: decoding return value: %v", num, err)
					}
				}
			}
		default:
			t.Fatalf("#%d: unexpected message code 0x%02x at offset %d", num, code, start)
		}
		m.raw = data[start:pos()]
		out = append(out, m)
	}
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func readCapture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func findMsg(t *testing.T, msgs []captured, num int) captured {
	t.Helper()
	for _, m := range msgs {
		if m.num == num {
			return m
		}
	}
	t.Fatalf("no message #%d", num)
	return captured{}
}

func TestDecodeCaptureServerToClient(t *testing.T) {
	msgs := splitS2C(t, readCapture(t, captureS2C))
	returns := 0
	for _, m := range msgs {
		if m.kind == JRMPReturn {
			returns++
			if m.exc {
				t.Errorf("#%d: exception return", m.num)
			}
		}
	}
	if returns < 60 {
		t.Fatalf("decoded %d returns, want the whole session", returns)
	}

	// #2: the registry lookup returns the connector server's stub.
	ref, err := parseStub(findMsg(t, msgs, 2).value)
	if err != nil {
		t.Fatal(err)
	}
	want := RemoteRef{Host: "127.0.0.1", Port: 19999, ID: ObjID{Num: -3509832989586314486, UID: parseUID(mustHex("c8da6fa8000001a20256c2248001"))}}
	if diff := cmp.Diff(want, ref); diff != "" {
		t.Errorf("lookup stub (-want +got):\n%s", diff)
	}
	if got := findMsg(t, msgs, 2).ack; got != parseUID(mustHex("c8da6fa8000001a20256c224912c")) {
		t.Errorf("lookup ack UID %+v", got)
	}

	// #4: the DGC lease.
	lo := findMsg(t, msgs, 4).value.(*javaser.Object)
	if v, _ := lo.Field("java.rmi.dgc.Lease", "value"); v != int64(600000) {
		t.Errorf("lease value %v", v)
	}

	// #6: newClient returns the connection stub.
	cref, err := parseStub(findMsg(t, msgs, 6).value)
	if err != nil {
		t.Fatal(err)
	}
	if cref.ID.Num != 6232866627318999752 || cref.Port != 19999 || cref.SSL {
		t.Errorf("connection stub %+v", cref)
	}

	// #9: getConnectionId.
	if got := findMsg(t, msgs, 9).value; got != "rmi://127.0.0.1  40" {
		t.Errorf("connection id %q", got)
	}

	// #11: queryNames, registration key order kept.
	elems, ok := collectionElems(findMsg(t, msgs, 11).value, 0)
	if !ok || len(elems) != 28 {
		t.Fatalf("queryNames: %d names (ok=%v)", len(elems), ok)
	}
	names := map[string]bool{}
	for _, e := range elems {
		n, ok := objectNameOf(e)
		if !ok {
			t.Fatalf("queryNames element %s", className(e))
		}
		names[n] = true
	}
	for _, n := range []string{`com.example:type=Stats,zone=eu,app="my app"`, "java.lang:name=G1 Old Generation,type=GarbageCollector", "JMImplementation:type=MBeanServerDelegate"} {
		if !names[n] {
			t.Errorf("queryNames lacks %s", n)
		}
	}

	// #14: MBeanInfo of demo.Custom.
	info, err := mbeanInfoOf(findMsg(t, msgs, 14).value)
	if err != nil {
		t.Fatal(err)
	}
	if info.ClassName != "demo.Custom" || len(info.Attributes) != 8 {
		t.Fatalf("MBeanInfo %+v", info)
	}
	if a := info.Attributes[1]; a.Name != "Count" || a.Type != "int" || !a.Readable || !a.Writable {
		t.Errorf("attribute 1: %+v", a)
	}

	// #15 and #17: attribute values.
	got := attrMap(t, findMsg(t, msgs, 15).value)
	for k, want := range map[string]any{
		"Name":    `demo "quoted" name`,
		"Count":   mbean.Number{Class: "java.lang.Integer", Float: 42, Text: "42"},
		"Enabled": true,
		"Counter": mbean.Number{Class: "java.lang.Long", Float: 75, Text: "75"},
	} {
		if diff := cmp.Diff(want, got[k]); diff != "" {
			t.Errorf("%s (-want +got):\n%s", k, diff)
		}
	}
	got = attrMap(t, findMsg(t, msgs, 17).value)
	lat, ok := got["Latency"].(*mbean.Composite)
	if !ok {
		t.Fatalf("Latency is %T", got["Latency"])
	}
	if diff := cmp.Diff([]string{"count", "p50", "p99"}, lat.Keys); diff != "" {
		t.Errorf("Latency keys: %s", diff)
	}
	if mbean.JavaString(lat.Items["p99"]) != "12.25" || mbean.JavaString(lat.Items["count"]) != "1000" {
		t.Errorf("Latency items %v", lat.Items)
	}
	tab, ok := got["RequestsByPath"].(*mbean.Tabular)
	if !ok {
		t.Fatalf("RequestsByPath is %T", got["RequestsByPath"])
	}
	if diff := cmp.Diff([]string{"key"}, tab.IndexNames); diff != "" {
		t.Errorf("index names: %s", diff)
	}
	if len(tab.Rows) != 2 || diff(tab.RowKeys, []string{"key", "value"}) {
		t.Errorf("RequestsByPath rows %d keys %v", len(tab.Rows), tab.RowKeys)
	}
}

func diff(a, b []string) bool { return cmp.Diff(a, b) != "" }

func attrMap(t *testing.T, v any) map[string]any {
	t.Helper()
	elems, ok := collectionElems(v, 0)
	if !ok {
		t.Fatalf("not an AttributeList: %s", className(v))
	}
	m := map[string]any{}
	for _, e := range elems {
		o := e.(*javaser.Object)
		n, _ := o.Field("javax.management.Attribute", "name")
		val, _ := o.Field("javax.management.Attribute", "value")
		m[n.(string)] = Convert(val)
	}
	return m
}

func mustHex(s string) []byte {
	b := make([]byte, len(s)/2)
	for i := range b {
		b[i] = unhex(s[2*i])<<4 | unhex(s[2*i+1])
	}
	return b
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// TestDecodeCaptureClientToServer decodes every call the JDK client sent
// and checks that the encoder writes the same bytes for the arguments the
// client writes.
func TestDecodeCaptureClientToServer(t *testing.T) {
	data := readCapture(t, captureC2S)
	br := bufio.NewReader(bytes.NewReader(data[7:]))
	var n [2]byte
	_, _ = io.ReadFull(br, n[:])
	_, _ = br.Discard(int(n[0])<<8 | int(n[1]) + 4)
	dec := javaser.NewDecoder(br, javaser.DefaultLimits)
	calls := 0
	var sawObjectName, sawStringArray bool
	for {
		code, err := br.ReadByte()
		if errors.Is(err, io.EOF) {
			break
		}
		switch code {
		case JRMPPing:
		case JRMPDGCAck:
			_, _ = br.Discard(14)
		case JRMPCall:
			calls++
			dec.Reset()
			if err := dec.ReadHeader(); err != nil {
				t.Fatal(err)
			}
			if blk, err := dec.ReadBlock(); err != nil || len(blk) != 34 {
				t.Fatalf("call %d header: %v", calls, err)
			}
			for {
				c, err := br.Peek(1)
				if err != nil || c[0] < javaser.TCNull || c[0] > javaser.TCEnum {
					break
				}
				v, err := dec.ReadContent()
				if err != nil {
					t.Fatalf("call %d: %v", calls, err)
				}
				if s, ok := objectNameOf(v); ok && s == "java.lang:type=Memory" && !sawObjectName {
					sawObjectName = true
					var e javaser.Encoder
					e.ObjectName(s)
					if !bytes.Contains(data, e.B) {
						t.Errorf("encoded ObjectName differs from the JDK's bytes: %x", e.B)
					}
				}
				if a, ok := v.(*javaser.Array); ok && a.Class.Name == "[Ljava.lang.String;" && !sawStringArray {
					sawStringArray = true
					ss := make([]string, len(a.Elems))
					for i, e := range a.Elems {
						ss[i] = e.(string)
					}
					var e javaser.Encoder
					e.StringArray(ss)
					if !bytes.Contains(data, e.B) {
						t.Errorf("encoded String[] differs from the JDK's bytes: %x", e.B)
					}
				}
			}
		default:
			t.Fatalf("unexpected message code 0x%02x after %d calls", code, calls)
		}
	}
	if calls < 60 || !sawObjectName || !sawStringArray {
		t.Errorf("calls=%d objectName=%v stringArray=%v", calls, sawObjectName, sawStringArray)
	}
}

func TestDecodeLimits(t *testing.T) {
	msgs := splitS2C(t, readCapture(t, captureS2C))
	big := findMsg(t, msgs, 68) // the JFR bean: the largest reply
	tests := []struct {
		name   string
		limits javaser.Limits
	}{
		{"bytes", javaser.Limits{MaxBytes: 1000}},
		{"depth", javaser.Limits{MaxDepth: 3}},
		{"string", javaser.Limits{MaxStringLen: 100}},
		{"array", javaser.Limits{MaxArrayLen: 10}},
		{"handles", javaser.Limits{MaxHandles: 50}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dec := javaser.NewDecoder(bufio.NewReader(bytes.NewReader(big.raw[1:])), tc.limits)
			if err := dec.ReadHeader(); err != nil {
				t.Fatal(err)
			}
			if _, err := dec.ReadBlock(); err != nil {
				t.Fatal(err)
			}
			_, err := dec.ReadObject()
			if !errors.Is(err, javaser.ErrLimit) {
				t.Fatalf("got %v, want a limit error", err)
			}
		})
	}
}

func BenchmarkDecodeAttributes(b *testing.B) {
	msgs := splitS2C(b, readCapture(b, captureS2C))
	var raw []byte
	for _, m := range msgs {
		if m.num == 58 { // java.lang:type=Threading getAttributes
			raw = m.raw[1:]
		}
	}
	b.SetBytes(int64(len(raw)))
	r := bytes.NewReader(raw)
	br := bufio.NewReader(r)
	dec := javaser.NewDecoder(br, javaser.DefaultLimits)
	b.ReportAllocs()
	for b.Loop() {
		r.Reset(raw)
		br.Reset(r)
		dec.Reset()
		if err := dec.ReadHeader(); err != nil {
			b.Fatal(err)
		}
		if _, err := dec.ReadBlock(); err != nil {
			b.Fatal(err)
		}
		v, err := dec.ReadObject()
		if err != nil {
			b.Fatal(err)
		}
		_, _ = collectionElems(v, 0)
	}
}
