package javaser

import (
	"bufio"
	"bytes"
	"testing"
)

// TestRememberedDescriptors: a descriptor whose bytes a decoder remembers
// from an earlier stream is decoded as a fresh decoder decodes it when
// what its bytes do not show differs: the string a back-reference names,
// the superclass, the annotation.
func TestRememberedDescriptors(t *testing.T) {
	// stream writes a String (handle 0), then an object of class C with
	// one field f whose class name is a back-reference to that String,
	// annotated with ann when set, with super as its superclass.
	stream := func(first string, ann bool, super string) []byte {
		var e Encoder
		e.Header()
		e.Str(first)
		e.U8(TCObject)
		e.U8(TCClassDesc)
		e.UTF("C")
		e.U64(7)
		e.U8(SCSerializable)
		e.U16(1)
		e.U8('L')
		e.UTF("f")
		e.U8(TCReference)
		e.U32(BaseWireHandle)
		if ann {
			e.Str("codebase")
		} else {
			e.Null()
		}
		e.U8(TCEndBlockData)
		if super == "" {
			e.Null()
		} else {
			e.ClassDesc(super, 8, SCSerializable)
		}
		e.Null() // f
		return e.B
	}
	decode := func(dec *Decoder, br *bufio.Reader, data []byte) *ClassDesc {
		t.Helper()
		br.Reset(bytes.NewReader(data))
		dec.Reset()
		if err := dec.ReadHeader(); err != nil {
			t.Fatal(err)
		}
		if _, err := dec.ReadObject(); err != nil {
			t.Fatal(err)
		}
		v, err := dec.ReadObject()
		if err != nil {
			t.Fatal(err)
		}
		return v.(*Object).Class
	}
	base := stream("LX;", false, "")
	tests := []struct {
		name string
		next []byte
	}{
		{"same", base},
		{"back-reference names another string", stream("LY;", false, "")},
		{"annotated", stream("LX;", true, "")},
		{"another superclass", stream("LX;", false, "S")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			br := bufio.NewReader(nil)
			warm := NewDecoder(br, DefaultLimits)
			first := decode(warm, br, base)
			if _, ok := warm.raws["C"]; !ok {
				t.Fatal("C's bytes not remembered")
			}
			got := decode(warm, br, tc.next)
			fbr := bufio.NewReader(nil)
			want := decode(NewDecoder(fbr, DefaultLimits), fbr, tc.next)
			if got.Fields[0].ClassName != want.Fields[0].ClassName || len(got.Annotation) != len(want.Annotation) ||
				got.Annotation[0] != want.Annotation[0] || (got.Super == nil) != (want.Super == nil) ||
				got.Super != nil && got.Super.Name != want.Super.Name {
				t.Errorf("warm %+v, cold %+v", got, want)
			}
			if same := got == first; same != (tc.name == "same") {
				t.Errorf("shared with the first stream's descriptor: %v", same)
			}
		})
	}
}
