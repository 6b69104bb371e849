package rmi

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/rosetta-adapter/rosetta/inputs/jmx/internal/javaser"
)

// wrapperDesc writes the class descriptor of a primitive wrapper, its
// value field of type t, with java.lang.Number as its superclass unless
// it is Boolean. numberWrites gives it java.lang.Number with a
// writeObject (and no custom data) as its superclass, which makes the
// wrapper an ordinary Object to the decoder.
func wrapperDesc(e *javaser.Encoder, name string, t byte, numberWrites bool) {
	e.ClassDescFields(name, 1, javaser.SCSerializable, javaser.FieldSpec{Type: t, Name: "value"})
	e.U8(javaser.TCNull) // annotation
	e.U8(javaser.TCEndBlockData)
	if name == "java.lang.Boolean" && !numberWrites {
		e.U8(javaser.TCNull)
		return
	}
	flags := byte(javaser.SCSerializable)
	if numberWrites {
		flags |= javaser.SCWriteMethod
	}
	e.ClassDesc("java.lang.Number", 2, flags)
}

// TestBoxedConvertsAsObject: a primitive wrapper decoded as a Boxed
// converts to what the same wrapper decoded as an Object converts to, and
// a back-reference to it is the same value.
func TestBoxedConvertsAsObject(t *testing.T) {
	tests := []struct {
		class string
		t     byte
		bits  []uint64
	}{
		{"java.lang.Boolean", 'Z', []uint64{0, 1, 7}},
		{"java.lang.Byte", 'B', []uint64{0, 5, 0x80, 0xFF}},
		{"java.lang.Short", 'S', []uint64{0, 300, 0x8000, 0xFFFF}},
		{"java.lang.Integer", 'I', []uint64{0, 255, 256, 0x80000000, 0xFFFFFFFF}},
		{"java.lang.Long", 'J', []uint64{0, 1 << 40, 1 << 63, math.MaxUint64}},
		{"java.lang.Float", 'F', []uint64{0, uint64(math.Float32bits(2.5)), uint64(math.Float32bits(float32(math.NaN()))), 0x80000000, uint64(math.Float32bits(1e-40))}},
		{"java.lang.Double", 'D', []uint64{0, math.Float64bits(0.1), math.Float64bits(math.Inf(-1)), 1 << 63, math.Float64bits(1e21)}},
	}
	size := map[byte]int{'Z': 1, 'B': 1, 'S': 2, 'I': 4, 'F': 4, 'J': 8, 'D': 8}
	for _, tc := range tests {
		for _, bits := range tc.bits {
			decode := func(numberWrites bool) (first, second any) {
				// An Object[] of the wrapper and a reference to it.
				var e javaser.Encoder
				e.Header()
				e.U8(javaser.TCArray)
				e.ClassDesc("[Ljava.lang.Object;", 3, javaser.SCSerializable)
				e.U32(2)
				e.U8(javaser.TCObject)
				wrapperDesc(&e, tc.class, tc.t, numberWrites)
				if numberWrites {
					e.U8(javaser.TCEndBlockData) // Number's custom data
				}
				var b [8]byte
				binary.BigEndian.PutUint64(b[:], bits)
				e.B = append(e.B, b[8-size[tc.t]:]...)
				e.U8(javaser.TCReference)
				h := 3 // the array's class, the array, the wrapper's class
				if tc.class != "java.lang.Boolean" || numberWrites {
					h++ // Number's class
				}
				e.U32(uint32(javaser.BaseWireHandle + h))
				dec := javaser.NewDecoder(bufio.NewReader(bytes.NewReader(e.B)), javaser.DefaultLimits)
				if err := dec.ReadHeader(); err != nil {
					t.Fatal(err)
				}
				v, err := dec.ReadObject()
				if err != nil {
					t.Fatalf("%s %x: %v", tc.class, bits, err)
				}
				a := v.(*javaser.Array)
				return a.Elems[0], a.Elems[1]
			}
			b1, b2 := decode(false)
			o1, o2 := decode(true)
			if _, ok := b1.(*javaser.Boxed); !ok {
				t.Errorf("%s: decoded as %T, not a Boxed", tc.class, b1)
			}
			if _, ok := o1.(*javaser.Object); !ok {
				t.Errorf("%s with Number's writeObject: decoded as %T, not an Object", tc.class, o1)
			}
			if b1 != b2 || o1 != o2 {
				t.Errorf("%s: the reference is not the value", tc.class)
			}
			want := Convert(o1)
			if diff := cmp.Diff(want, Convert(b1), cmpopts.EquateNaNs()); diff != "" {
				t.Errorf("%s %x: (-as Object +as Boxed):\n%s", tc.class, bits, diff)
			}
			if className(b1) != className(o1) {
				t.Errorf("className %q, want %q", className(b1), className(o1))
			}
		}
	}
}
