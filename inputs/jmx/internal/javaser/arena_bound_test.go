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
		weakGone(&a.items[len(a.items)-1][0]),
	}
	a.Reset()
	runtime.GC()
	runtime.GC()
	for i, gone := range last {
		if !gone() {
			t.Errorf("kind %d: a chunk past the %d kept is still reachable after Reset", i, maxArenaChunks)
		}
	}
	if len(a.o1.chunks) != maxArenaChunks || len(a.items) != maxArenaChunks {
		t.Errorf("kept %d object chunks, %d item chunks; want %d", len(a.o1.chunks), len(a.items), maxArenaChunks)
	}
	runtime.KeepAlive(&a)
}

func weakGone[T any](p *T) func() bool {
	w := weak.Make(p)
	return func() bool { return w.Value() == nil }
}
