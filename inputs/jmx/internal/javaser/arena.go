package javaser

import "slices"

// Arena: the objects of replies whose values the caller is done with before the next ones are decoded.

// An Arena holds the small objects a Decoder makes while the arena is set
// (SetArena): the objects of one or two fields of one class (most of a
// getAttributes reply: the AttributeList, each Attribute), the
// primitive wrappers, ObjectNames read as names and the short custom
// data lists, cut from chunks
// that Reset makes reusable. Without one, each is an allocation of its
// own (a Boxed a slice of a chunk never reused). The values decoded with
// an arena are valid until its Reset: the caller converts them before,
// and keeps nothing that points into them (strings are not in the arena,
// and may be kept). An Arena is used by one goroutine at a time.
type Arena struct {
	o1    slab[object1]
	o2    slab[object2]
	boxes slab[Boxed]
	names slab[ObjectName]
	items slab[any] // custom data lists
}

// Chunk sizes: a few KiB each.
const (
	arenaChunk     = 64
	itemChunk      = 256
	maxArenaItems  = 32 // longer custom data lists get their own slice
	maxArenaChunks = 16 // chunks kept by Reset, of each kind (~350 KiB all told)
)

// slab hands out Ts from fixed chunks, which never move.
type slab[T any] struct {
	chunks [][]T
	c, i   int // the chunk in use and its first free element
}

func (s *slab[T]) next() *T { return &s.cut(1, arenaChunk)[0] }

// cut returns n consecutive Ts (n <= size), from chunks of size Ts: a
// chunk without room for them is left for the next.
func (s *slab[T]) cut(n, size int) []T {
	if s.c < len(s.chunks) && s.i+n > len(s.chunks[s.c]) {
		s.c++
		s.i = 0
	}
	if s.c == len(s.chunks) {
		s.chunks = append(s.chunks, make([]T, size))
	}
	l := s.chunks[s.c][s.i : s.i+n : s.i+n]
	s.i += n
	return l
}

// reset clears what was handed out (so that the arena keeps no decoded
// value alive) and makes it reusable.
func (s *slab[T]) reset() {
	for c := 0; c <= s.c && c < len(s.chunks); c++ {
		n := len(s.chunks[c])
		if c == s.c {
			n = s.i
		}
		clear(s.chunks[c][:n])
	}
	if len(s.chunks) > maxArenaChunks {
		// a new array: the old one would keep the chunks past it
		s.chunks = slices.Clone(s.chunks[:maxArenaChunks])
	}
	s.c, s.i = 0, 0
}

// list returns a copy of items cut from the arena, or nil when they are
// too many.
func (a *Arena) list(items []any) []any {
	if len(items) > maxArenaItems {
		return nil
	}
	l := a.items.cut(len(items), itemChunk)
	copy(l, items)
	return l
}

// Reset makes the arena's objects reusable: every value decoded with it
// is invalid from then on.
func (a *Arena) Reset() {
	a.o1.reset()
	a.o2.reset()
	a.boxes.reset()
	a.names.reset()
	a.items.reset()
}

// SetArena makes the decoder cut its small objects from a (nil: allocate
// them) until the next SetArena.
func (d *Decoder) SetArena(a *Arena) { d.arena = a }
