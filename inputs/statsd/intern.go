package statsd

import "github.com/rosetta-adapter/rosetta/normalize"

// Intern tables: stable strings for metric names, label names and values
// and whole tags, each bounded in bytes, and the generational table that
// holds the names and the line templates.

// maxInterned bounds each intern table's entries, and the byte budgets
// below bound what they hold: names and values of up to 64 KiB would make
// a count bound alone worth gigabytes. A full table is emptied and
// refilled. Ordinary names (under 100 bytes) reach the count bound first.
const (
	maxInterned = 1 << 15
	// internOverhead is the estimated heap of one entry besides its key.
	internOverhead = 64
	maxNameBytes   = 4 << 20 // nameTable
	maxValueBytes  = 2 << 20 // label values, and whole tags per separator
	maxKeyBytes    = 1 << 20 // label names
	// maxInternLen is the longest string interned (or templated): longer
	// ones are rare, and each would take a large share of a budget.
	maxInternLen = 4096
)

// interner returns stable strings for byte slices: a hit allocates
// nothing, a miss copies once.
type interner struct {
	m     map[string]string
	bytes int
}

// room makes room for an entry of n bytes under max.
func (in *interner) room(n, max int) {
	cost := n + internOverhead
	if in.m == nil {
		in.m = make(map[string]string, 64)
	} else if len(in.m) >= maxInterned || in.bytes+cost > max {
		clear(in.m)
		in.bytes = 0
	}
	in.bytes += cost
}

func (in *interner) get(b []byte) string {
	if s, ok := in.m[string(b)]; ok {
		return s
	}
	if len(b) > maxInternLen {
		return string(b)
	}
	in.room(len(b), maxValueBytes)
	s := string(b)
	in.m[s] = s
	return s
}

// getEscaped returns the label name escaped the way statsd_exporter
// escapes tag keys (normalize.EscapeMetricName is its escaper; the lines
// are valid UTF-8 by then, where the two agree).
func (in *interner) getEscaped(b []byte) string {
	if s, ok := in.m[string(b)]; ok {
		return s
	}
	in.room(2*len(b), maxKeyBytes)
	s := string(b)
	e := normalize.EscapeMetricName(s)
	in.m[s] = e
	return e
}

// nameTable interns metric names with their normalize.MatchHash, which the
// records carry on so that the rule cache does not hash the name again.
type nameTable struct{ t table[nameEntry, *nameEntry] }

type nameEntry struct{ name string }

func (e *nameEntry) tableKey() string { return e.name }
func (e *nameEntry) tableDropped()    {}
func (e *nameEntry) tableKept()       {}
func (e *nameEntry) tableSweep()      {}

// tableCost is the estimated heap of the entry: its bytes, itself and its
// share of the slots (2 to 4 of 16 bytes).
func (e *nameEntry) tableCost() int { return len(e.name) + 80 }

// lookup returns the interned name and its hash, and whether the name was
// there already.
func (nt *nameTable) lookup(b []byte) (string, uint64, bool) {
	h := normalize.MatchHash(b)
	if e, ok := nt.t.find(h, b); ok {
		return e.name, h, true
	}
	s := string(b)
	if len(s) <= maxInternLen {
		nt.t.add(h, &nameEntry{s}, maxNameBytes)
	}
	return s, h, false
}

// tableEntry is what a table holds: a pointer to a T with a key and an
// estimated heap size.
type tableEntry[T any] interface {
	*T
	tableKey() string
	// tableCost is the bytes the entry holds, its share of the table's
	// slots included.
	tableCost() int
	// When the table drops a generation, tableDropped is called for each
	// of its entries, then tableKept for each entry of the generation
	// kept (an entry moved there is in both), then tableSweep for each
	// entry of either: an entry that refers to others (a template's next)
	// forgets the ones that left, so that no entry kept keeps one alive.
	tableDropped()
	tableKept()
	tableSweep()
}

// table is an open-addressing map from strings, hashed by the caller, to
// entries that hold their key. It is bounded by the estimated bytes of its
// entries, not by a count: it grows with the traffic until its entries
// hold the budget given to add. A slot is a hash and a pointer (16 bytes),
// so that the slots of 10,000 templates take 512 KiB and the lookup of a
// line's template, a cache miss with many series, misses less.
//
// It keeps two generations, so that when more keys are in use than fit,
// it serves what fits instead of thrashing: an entry is added to the
// current generation; when that holds half the budget, it becomes the
// previous one (the one before is dropped) and a new, empty one starts.
// A key found only in the previous generation is moved into the current
// one, so that the keys in use survive and the ones no longer sent are
// dropped within two generations. (Emptying a full table instead, as it
// did, made nearly every lookup miss when a few more keys than fit were
// sent in turn: 10,000 series against 8,192 templates.)
type table[T any, V tableEntry[T]] struct {
	slots []tableSlot[T, V] // the current generation; a power of two
	n     int               // entries in slots and old
	bytes int               // estimated heap of the entries of slots and old (tableCost)

	old      []tableSlot[T, V] // the previous generation
	oldN     int
	oldBytes int
	max      int // the budget of the last add
}

type tableSlot[T any, V tableEntry[T]] struct {
	h uint64
	v V // nil in an unused slot
}

// find returns the entry stored under key.
func (t *table[T, V]) find(h uint64, key []byte) (V, bool) {
	if v, ok := lookupSlot(t.slots, h, key); ok {
		return v, true
	}
	if t.oldN > 0 {
		if v, ok := lookupSlot(t.old, h, key); ok {
			// Still in use: into the current generation. The old
			// generation keeps it (and its cost) until it is dropped.
			t.add(h, v, t.max)
			return v, true
		}
	}
	return nil, false
}

func lookupSlot[T any, V tableEntry[T]](slots []tableSlot[T, V], h uint64, key []byte) (V, bool) {
	if len(slots) == 0 {
		return nil, false
	}
	mask := uint64(len(slots) - 1)
	for i := h & mask; slots[i].v != nil; i = (i + 1) & mask {
		if sl := &slots[i]; sl.h == h && sl.v.tableKey() == string(key) {
			return sl.v, true
		}
	}
	return nil, false
}

// add stores v (not nil) in the current generation, replacing
// what its key had there; the generations together hold at most maxBytes.
func (t *table[T, V]) add(h uint64, v V, maxBytes int) {
	t.max = maxBytes
	cost := v.tableCost()
	switch cur := t.bytes - t.oldBytes; {
	case t.slots == nil:
		t.slots = make([]tableSlot[T, V], 64)
	case cur+cost > maxBytes/2 && cur > 0:
		// A new generation, in the slots of the one dropped (they fit
		// about as many entries) when there are any.
		drop := t.old
		t.old, t.oldN, t.oldBytes = t.slots, t.n-t.oldN, cur
		t.n, t.bytes = t.oldN, t.oldBytes
		if drop == nil {
			drop = make([]tableSlot[T, V], 64)
		}
		for _, sl := range drop {
			if sl.v != nil {
				sl.v.tableDropped()
			}
		}
		for _, sl := range t.old {
			if sl.v != nil {
				sl.v.tableKept()
			}
		}
		for _, gen := range [2][]tableSlot[T, V]{drop, t.old} {
			for _, sl := range gen {
				if sl.v != nil {
					sl.v.tableSweep()
				}
			}
		}
		clear(drop)
		t.slots = drop
	case 2*(t.n-t.oldN+1) > len(t.slots):
		old := t.slots
		t.slots = make([]tableSlot[T, V], 2*len(old))
		t.n, t.bytes = t.oldN, t.oldBytes // insert counts them again
		for _, sl := range old {
			if sl.v != nil {
				t.insert(sl.h, sl.v, sl.v.tableCost())
			}
		}
	}
	t.insert(h, v, cost)
}

// insert puts v into the current generation.
func (t *table[T, V]) insert(h uint64, v V, cost int) {
	mask := uint64(len(t.slots) - 1)
	i := h & mask
	for ; t.slots[i].v != nil; i = (i + 1) & mask {
		if sl := &t.slots[i]; sl.h == h && sl.v.tableKey() == v.tableKey() {
			t.bytes += cost - sl.v.tableCost()
			sl.v = v
			return
		}
	}
	t.slots[i] = tableSlot[T, V]{h: h, v: v}
	t.n++
	t.bytes += cost
}

// labelInterner maps whole raw tags to their parsed label.
type labelInterner struct {
	m     map[string]normalize.Label
	bytes int
}

func (in *labelInterner) put(t []byte, l normalize.Label) {
	if len(t) > maxInternLen {
		return
	}
	cost := len(t) + internOverhead
	if in.m == nil {
		in.m = make(map[string]normalize.Label, 64)
	} else if len(in.m) >= maxInterned || in.bytes+cost > maxValueBytes {
		clear(in.m)
		in.bytes = 0
	}
	in.bytes += cost
	in.m[string(t)] = l
}
