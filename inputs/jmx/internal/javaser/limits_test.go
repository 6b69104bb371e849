package javaser

import (
	"bufio"
	"errors"
	"slices"
	"strings"
	"testing"
)

// decodeOne decodes the one object of stream b (a header written) with
// limits; the bufio buffer is small, so that long names take the path of
// a read that is not a Peek.
func decodeOne(b []byte, limits Limits) (any, error) {
	dec := NewDecoder(bufio.NewReaderSize(bytesReader(b), 16), limits)
	if err := dec.ReadHeader(); err != nil {
		return nil, err
	}
	return dec.ReadObject()
}

// TestPrimitiveArrayBytesCharged: every element of a primitive array is
// charged to MaxBytes, whatever its size: a stream of exactly MaxBytes
// decodes, one byte less of budget is ErrLimit (not a short read), and a
// length past MaxArrayLen is ErrLimit before any element is read.
func TestPrimitiveArrayBytesCharged(t *testing.T) {
	for _, tc := range []struct {
		class string
		size  int
	}{{"[Z", 1}, {"[B", 1}, {"[C", 2}, {"[S", 2}, {"[I", 4}, {"[F", 4}, {"[J", 8}, {"[D", 8}} {
		const n = 1000
		var e Encoder
		e.Header()
		e.U8(TCArray)
		e.ClassDesc(tc.class, 1, SCSerializable)
		e.U32(n)
		e.B = append(e.B, make([]byte, n*tc.size)...)
		// MaxBytes counts the whole stream, its header included.
		total := int64(len(e.B))
		if _, err := decodeOne(e.B, Limits{MaxBytes: total}); err != nil {
			t.Errorf("%s in exactly MaxBytes: %v", tc.class, err)
		}
		if _, err := decodeOne(e.B, Limits{MaxBytes: total - 1}); !errors.Is(err, ErrLimit) {
			t.Errorf("%s one byte past MaxBytes: %v, want ErrLimit", tc.class, err)
		}
		if _, err := decodeOne(e.B, Limits{MaxArrayLen: n - 1}); !errors.Is(err, ErrLimit) {
			t.Errorf("%s past MaxArrayLen: %v, want ErrLimit", tc.class, err)
		}
	}
}

// TestProxyInterfaces: a proxy class descriptor's interface names decode
// as modified UTF-8 (short and longer than the reader's buffer, repeated
// ones included), are charged to MaxBytes, and bad UTF-8 is an error.
func TestProxyInterfaces(t *testing.T) {
	long := "com.example." + strings.Repeat("x", 100)
	names := []string{"javax.management.Foo", long, "nul\x00é", long, "javax.management.Foo"}
	proxy := func(names ...[]byte) []byte {
		var e Encoder
		e.Header()
		e.U8(TCClass)
		e.U8(TCProxyClassDesc)
		e.U32(uint32(len(names)))
		for _, s := range names {
			e.U16(uint16(len(s)))
			e.B = append(e.B, s...)
		}
		e.U8(TCEndBlockData)
		e.Null()
		return e.B
	}
	var raw [][]byte
	for _, s := range names {
		raw = append(raw, modifiedUTF8(s))
	}
	b := proxy(raw...)
	v, err := decodeOne(b, DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	cd, ok := v.(*ClassDesc)
	if !ok {
		t.Fatalf("decoded %T, want the *ClassDesc", v)
	}
	if !cd.Proxy || !slices.Equal(cd.Interfaces, names) {
		t.Errorf("proxy %v, interfaces %q; want %q", cd.Proxy, cd.Interfaces, names)
	}
	if _, err := decodeOne(b, Limits{MaxBytes: int64(len(b) - 1)}); !errors.Is(err, ErrLimit) {
		t.Errorf("one byte past MaxBytes: %v, want ErrLimit", err)
	}
	if _, err := decodeOne(proxy([]byte{0xE0, 0x80}), DefaultLimits); err == nil {
		t.Error("an interface name of bad modified UTF-8 decoded")
	}
	p := proxy([]byte("a"), []byte("bc"))
	if _, err := decodeOne(p[:len(p)-4], DefaultLimits); err == nil {
		t.Error("a truncated proxy descriptor decoded")
	}
}

// TestCustomReaderPrimitives: CustomReader reads big-endian, signed values
// across Block boundaries, and a value past the last block is an error.
func TestCustomReaderPrimitives(t *testing.T) {
	c := NewCustomReader([]any{
		Block{0xfe, 0xff},
		Block{0xfe, 0x80, 0, 0},
		Block{0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xf0},
		Block{0, 2, 'h', 'i'},
		Block{1},
	})
	u8, err1 := c.U8()
	i16, err2 := c.I16()
	i32, err3 := c.I32()
	i64, err4 := c.I64()
	s, err5 := c.UTF()
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		t.Fatal(err)
	}
	if u8 != 0xfe || i16 != -2 || i32 != -1<<31 || i64 != -16 || s != "hi" {
		t.Errorf("read %#x %d %d %#x %q", u8, i16, i32, i64, s)
	}
	if _, err := c.I16(); err == nil {
		t.Error("an I16 of one byte left read")
	}
}
