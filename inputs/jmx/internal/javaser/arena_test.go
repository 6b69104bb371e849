package javaser

import (
	"bufio"
	"bytes"
	"testing"
)

// TestArenaResetKeepsNothing: the objects a decoder cut from an arena
// are cleared by Reset (the arena keeps no value of a reply alive), and
// the next stream's objects reuse them.
func TestArenaResetKeepsNothing(t *testing.T) {
	// An object of two fields (an Attribute), whose value is a boxed Long.
	var e Encoder
	e.Header()
	e.U8(TCObject)
	e.ClassDesc("A", 1, SCSerializable, FieldSpec{Type: 'L', Name: "name", ClassName: "Ljava/lang/String;"},
		FieldSpec{Type: 'L', Name: "value", ClassName: "Ljava/lang/Object;"})
	e.Str("n")
	e.U8(TCObject)
	e.ClassDesc("java.lang.Long", 2, SCSerializable, FieldSpec{Type: 'J', Name: "value"})
	e.U64(42)
	var a Arena
	br := bufio.NewReader(nil)
	dec := NewDecoder(br, DefaultLimits)
	dec.SetArena(&a)
	decode := func() *Object {
		t.Helper()
		br.Reset(bytes.NewReader(e.B))
		dec.Reset()
		if err := dec.ReadHeader(); err != nil {
			t.Fatal(err)
		}
		v, err := dec.ReadObject()
		if err != nil {
			t.Fatal(err)
		}
		return v.(*Object)
	}
	o := decode()
	n, _ := o.Field("A", "name")
	v, _ := o.Field("A", "value")
	b, ok := v.(*Boxed)
	if n != "n" || !ok || b.Int() != 42 {
		t.Fatalf("decoded name %v, value %#v", n, v)
	}
	a.Reset()
	if o.Class != nil || o.Data != nil || b.Class != nil || b.Bits != 0 {
		t.Errorf("after Reset: object %+v, box %+v: the arena keeps them", o, b)
	}
	if o2 := decode(); o2 != o {
		t.Errorf("the next stream's object is not cut from the reset arena")
	}
}
