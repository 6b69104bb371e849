package javaser

import (
	"bufio"
	"io"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

func TestModifiedUTF8(t *testing.T) {
	for _, s := range []string{"", "plain", "nul\x00byte", "é ü ß", "日本", "emoji 😀 pair", strings.Repeat("x", 300)} {
		got, err := decodeModifiedUTF8(modifiedUTF8(s))
		if err != nil || got != s {
			t.Errorf("round trip of %q: %q, %v", s, got, err)
		}
	}
	if _, err := decodeModifiedUTF8([]byte{0xE0, 0x80}); err == nil {
		t.Error("truncated sequence accepted")
	}
}

// TestDecoderCachesBoundedByBytes: a server that sends a new class with a
// 60 KB name and long field names in every reply must not grow the
// per-connection caches beyond their byte bounds.
func TestDecoderCachesBoundedByBytes(t *testing.T) {
	name := make([]byte, 60000)
	for i := range name {
		name[i] = 'c'
	}
	field := make([]byte, 250)
	for i := range field {
		field[i] = 'f'
	}
	dec := NewDecoder(bufio.NewReader(nil), DefaultLimits)
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	before := ms.HeapAlloc
	for i := range 3000 {
		var e Encoder
		e.Header()
		cls := string(name) + strconv.Itoa(i)
		fields := make([]FieldSpec, 200)
		for j := range fields {
			fields[j] = FieldSpec{'I', string(field[:240]) + strconv.Itoa(i*1000+j), ""}
		}
		decodeNewClass(t, dec, &e, cls, fields)
	}
	runtime.GC()
	runtime.ReadMemStats(&ms)
	grown := int64(ms.HeapAlloc) - int64(before)
	t.Logf("caches: names %d B, classes %d B; heap grew %.1f MiB", dec.namesBytes, dec.classBytes, float64(grown)/(1<<20))
	if dec.namesBytes > maxNamesBytes || dec.classBytes > maxClassesBytes {
		t.Errorf("caches over their bounds: names %d, classes %d", dec.namesBytes, dec.classBytes)
	}
	if grown > 3*(maxNamesBytes+maxClassesBytes) {
		t.Errorf("heap grew by %.1f MiB with the decoder's caches alive", float64(grown)/(1<<20))
	}
	runtime.KeepAlive(dec)
}

func bytesReader(b []byte) io.Reader { return &sliceReader{b: b} }

type sliceReader struct{ b []byte }

func (r *sliceReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

// TestRawDescriptorsBoundedByBytes: a server that sends a new class of
// nearly 4 KiB of descriptor bytes in every reply (each one kept for
// rawMatch) must not grow the kept bytes beyond their bound.
func TestRawDescriptorsBoundedByBytes(t *testing.T) {
	field := strings.Repeat("f", 60)
	dec := NewDecoder(bufio.NewReader(nil), DefaultLimits)
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	before := ms.HeapAlloc
	kept := 0
	for i := range 2000 {
		var e Encoder
		e.Header()
		fields := make([]FieldSpec, 50)
		for j := range fields {
			fields[j] = FieldSpec{'I', field + strconv.Itoa(j), ""}
		}
		decodeNewClass(t, dec, &e, "c"+strconv.Itoa(i), fields)
		if _, ok := dec.raws["c"+strconv.Itoa(i)]; ok {
			kept++
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&ms)
	grown := int64(ms.HeapAlloc) - int64(before)
	t.Logf("raw descriptors: %d of 2000 kept when read, %d B now; heap grew %.1f MiB", kept, dec.rawBytes, float64(grown)/(1<<20))
	if kept != 2000 {
		t.Errorf("%d of 2000 descriptors kept: the test does not exercise the bound", kept)
	}
	if dec.rawBytes > maxRawBytes {
		t.Errorf("kept descriptor bytes %d over their bound %d", dec.rawBytes, maxRawBytes)
	}
	if grown > 3*(maxNamesBytes+maxClassesBytes+maxRawBytes) {
		t.Errorf("heap grew by %.1f MiB with the decoder's caches alive", float64(grown)/(1<<20))
	}
	runtime.KeepAlive(dec)
}

// decodeNewClass appends to e (its header written) an object of a new
// class cls whose int fields are all 1, and decodes it with dec as the
// next reply.
func decodeNewClass(t *testing.T, dec *Decoder, e *Encoder, cls string, fields []FieldSpec) {
	t.Helper()
	e.U8(TCObject)
	e.ClassDesc(cls, 1, SCSerializable, fields...)
	for range fields {
		e.U32(1)
	}
	dec.r = bufio.NewReader(bytesReader(e.B))
	dec.Reset()
	if err := dec.ReadHeader(); err != nil {
		t.Fatal(err)
	}
	if _, err := dec.ReadObject(); err != nil {
		t.Fatal(err)
	}
}

// TestPrimitiveArrays decodes an array of each primitive type: two
// elements, big-endian, into the slice type Array.Prim documents.
func TestPrimitiveArrays(t *testing.T) {
	for _, tc := range []struct {
		class string
		elems []byte // two elements as written
		want  any
	}{
		{"[Z", []byte{1, 0}, []bool{true, false}},
		{"[B", []byte{0x7f, 0x80}, []byte{0x7f, 0x80}},
		{"[C", []byte{0, 'a', 0xff, 0xfe}, []uint16{'a', 0xfffe}},
		{"[S", []byte{0x80, 0, 0, 1}, []int16{-32768, 1}},
		{"[I", []byte{0xff, 0xff, 0xff, 0xff, 0, 0, 1, 0}, []int32{-1, 256}},
		{"[F", []byte{0x3f, 0x80, 0, 0, 0xc0, 0, 0, 0}, []float32{1, -2}},
		{"[J", []byte{0, 0, 0, 0, 0, 0, 0, 7, 0x80, 0, 0, 0, 0, 0, 0, 0}, []int64{7, -1 << 63}},
		{"[D", []byte{0x3f, 0xf0, 0, 0, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0}, []float64{1, -2}},
	} {
		var e Encoder
		e.Header()
		e.U8(TCArray)
		e.ClassDesc(tc.class, 1, SCSerializable)
		e.U32(2)
		e.B = append(e.B, tc.elems...)
		dec := NewDecoder(bufio.NewReader(bytesReader(e.B)), DefaultLimits)
		if err := dec.ReadHeader(); err != nil {
			t.Fatal(err)
		}
		v, err := dec.ReadObject()
		if err != nil {
			t.Errorf("%s: %v", tc.class, err)
			continue
		}
		if got := v.(*Array).Prim; !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: Prim = %#v, want %#v", tc.class, got, tc.want)
		}
		// One element short: the error of the read, no array.
		dec = NewDecoder(bufio.NewReader(bytesReader(e.B[:len(e.B)-1])), DefaultLimits)
		if err := dec.ReadHeader(); err != nil {
			t.Fatal(err)
		}
		if v, err := dec.ReadObject(); err == nil {
			t.Errorf("%s, truncated: %#v, want an error", tc.class, v)
		}
	}
}

// TestReleaseDropsHandles: once a stream's value is read, Release leaves
// the decoder no reference to it (an idle connection's decoder kept the
// last reply's whole graph alive), and no large handle table.
func TestReleaseDropsHandles(t *testing.T) {
	for _, n := range []int{3, maxKeptHandles + 1} {
		var e Encoder
		e.Header()
		strs := make([]string, n)
		for i := range strs {
			strs[i] = "s" + strconv.Itoa(i)
		}
		e.StringArray(strs)
		dec := NewDecoder(bufio.NewReader(bytesReader(e.B)), DefaultLimits)
		if err := dec.ReadHeader(); err != nil {
			t.Fatal(err)
		}
		if _, err := dec.ReadObject(); err != nil {
			t.Fatal(err)
		}
		if len(dec.handles) <= n {
			t.Fatalf("%d strings: %d handles, want more", n, len(dec.handles))
		}
		held := dec.handles[:cap(dec.handles)]
		dec.Release()
		if len(dec.handles) != 0 {
			t.Errorf("%d strings: %d handles after Release", n, len(dec.handles))
		}
		for i, h := range held {
			if h != nil && cap(dec.handles) > 0 {
				t.Errorf("%d strings: handle %d still %v after Release", n, i, h)
				break
			}
		}
		if n > maxKeptHandles && dec.handles != nil {
			t.Errorf("%d strings: a table of %d kept", n, cap(dec.handles))
		}
	}
}
