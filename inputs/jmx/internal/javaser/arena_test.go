package javaser

import (
	"bufio"
	"bytes"
	"fmt"
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
	_, decode := arenaDecoder(t, &a)
	o := decode(e.B)
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
	if o2 := decode(e.B); o2 != o {
		t.Errorf("the next stream's object is not cut from the reset arena")
	}
}

// TestNullAnnotationCharges: reading the null annotations of descriptors
// at once (nullAnnotation) gives what readCustom gives, the same error
// at every limit near a stream's cost included.
func TestNullAnnotationCharges(t *testing.T) {
	// An object of class B (extends C), whose field is an object of
	// class A: three descriptors with null annotations.
	var e Encoder
	e.Header()
	e.U8(TCObject)
	e.ClassDescFields("B", 1, SCSerializable, FieldSpec{Type: 'L', Name: "a", ClassName: "LA;"})
	e.Null()
	e.U8(TCEndBlockData)
	e.ClassDesc("C", 2, SCSerializable)
	e.U8(TCObject)
	e.ClassDesc("A", 3, SCSerializable)
	decode := func(lim Limits) string {
		dec := NewDecoder(bufio.NewReader(bytes.NewReader(e.B)), lim)
		if err := dec.ReadHeader(); err != nil {
			return err.Error()
		}
		v, err := dec.ReadObject()
		if err != nil {
			return err.Error()
		}
		o := v.(*Object)
		a := o.Data[len(o.Data)-1].Values[0].(*Object)
		return fmt.Sprint(o.Class.Name, o.Class.Super.Name, len(o.Class.Annotation), o.Class.Super.Annotation, a.Class.Name, a.Class.Annotation)
	}
	defer func() { noNullAnnotation = false }()
	for _, lim := range nearLimits(len(e.B)) {
		noNullAnnotation = true
		want := decode(lim)
		noNullAnnotation = false
		if got := decode(lim); got != want {
			t.Errorf("limits %+v: %q, want %q", lim, got, want)
		}
	}
}

// nearLimits are limits of each kind from 1 to a stream's cost and past
// it, one kind at a time.
func nearLimits(n int) []Limits {
	var out []Limits
	for i := 1; i <= n+2; i++ {
		out = append(out, Limits{MaxBytes: int64(i)}, Limits{MaxSteps: int64(i)}, Limits{MaxDepth: i}, Limits{MaxHandles: i})
	}
	return out
}

// arenaDecoder returns a decoder that cuts from a, and a function that
// decodes one stream (its header and one object) with it.
func arenaDecoder(t *testing.T, a *Arena) (*Decoder, func([]byte) *Object) {
	br := bufio.NewReader(nil)
	dec := NewDecoder(br, DefaultLimits)
	dec.SetArena(a)
	return dec, func(b []byte) *Object {
		t.Helper()
		br.Reset(bytes.NewReader(b))
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
}
