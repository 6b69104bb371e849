package javaser

import (
	"runtime"
	"testing"
	"weak"
)

// TestArenaResetDropsExtraChunks: the chunks past what Reset keeps
// (maxArenaChunks of each kind) are garbage after it, so that a hostile
// server's huge reply does not leave the arena holding its objects'
// memory after the poll.
func TestArenaResetDropsExtraChunks(t *testing.T) {
	var a Arena
	n := (maxArenaChunks + 8) * arenaChunk
	for range n {
		a.o1.next()
		a.o2.next()
		a.boxes.next()
		a.names.next()
	}
	for range (maxArenaChunks + 8) * itemChunk / maxArenaItems {
		a.list(make([]any, maxArenaItems))
	}
	last := []func() bool{
		weakGone(&a.o1.chunks[len(a.o1.chunks)-1][0]),
		weakGone(&a.o2.chunks[len(a.o2.chunks)-1][0]),
		weakGone(&a.boxes.chunks[len(a.boxes.chunks)-1][0]),
		weakGone(&a.names.chunks[len(a.names.chunks)-1][0]),
		weakGone(&a.items.chunks[len(a.items.chunks)-1][0]),
	}
	a.Reset()
	runtime.GC()
	runtime.GC()
	for i, gone := range last {
		if !gone() {
			t.Errorf("kind %d: a chunk past the %d kept is still reachable after Reset", i, maxArenaChunks)
		}
	}
	if len(a.o1.chunks) != maxArenaChunks || len(a.items.chunks) != maxArenaChunks {
		t.Errorf("kept %d object chunks, %d item chunks; want %d", len(a.o1.chunks), len(a.items.chunks), maxArenaChunks)
	}
	runtime.KeepAlive(&a)
}

func weakGone[T any](p *T) func() bool {
	w := weak.Make(p)
	return func() bool { return w.Value() == nil }
}

// TestArenaCachedClassAnnotation: a descriptor the decoder caches for
// later streams keeps its annotation (two nulls here) after the arena it
// was read with is reset and reused: the cached descriptor outlives the
// arena's values, and the arena is another connection's next.
func TestArenaCachedClassAnnotation(t *testing.T) {
	// An object of class A, annotated with two nulls.
	var e1 Encoder
	e1.Header()
	e1.U8(TCObject)
	e1.ClassDescFields("A", 1, SCSerializable)
	e1.Null()
	e1.Null()
	e1.U8(TCEndBlockData)
	e1.Null() // superclass
	// An object of class B whose custom data is two strings.
	var e2 Encoder
	e2.Header()
	e2.U8(TCObject)
	e2.ClassDesc("B", 2, SCSerializable|SCWriteMethod)
	e2.Str("x")
	e2.Str("y")
	e2.U8(TCEndBlockData)

	var a Arena
	dec, decode := arenaDecoder(t, &a)
	o1 := decode(e1.B)
	dec.Release()
	cd := o1.Class
	if len(cd.Annotation) != 2 || cd.Annotation[0] != nil || cd.Annotation[1] != nil {
		t.Fatalf("annotation %v, want [<nil> <nil>]", cd.Annotation)
	}
	a.Reset()
	o2 := decode(e2.B)
	dec.Release()
	if len(o2.Data) != 1 || len(o2.Data[0].Custom) != 2 {
		t.Fatalf("B decoded as %+v", o2)
	}
	if c := dec.classes[classKey{"A", 1}]; c != cd {
		t.Fatalf("A's descriptor is not the cached one")
	}
	if cd.Annotation[0] != nil || cd.Annotation[1] != nil {
		t.Errorf("the cached descriptor's annotation became %v: it is in the reused arena", cd.Annotation)
	}
}
