package jmx

import (
	"encoding/binary"
	"hash/maphash"
	"slices"
	"sync"
)

// maxInterned bounds each of an interner's tables. Strings past it are
// made for each record, as without an interner: a JVM whose every bean
// has a help text of its own (name= properties) would otherwise make the
// tables as large as a poll.
const maxInterned = 4096

// interner shares the strings a poll's records repeat: the help text and
// default name of an attribute are the same for every bean of one type
// and in every poll, and label names for every bean. Without it a poll of
// 20,000 attributes made three new strings per record; with it a record
// of an attribute seen before makes only its match string (which holds
// the value). Safe for concurrent use by a scraper's bean workers; a nil
// *interner makes every string.
type interner struct {
	mu     sync.Mutex
	texts  map[string]string // help texts
	names  map[string]string // raw default name -> metric name
	labels map[string]string // property key -> label name
	lists  map[uint64][]attrList
}

// attrList is the readable attributes of a bean and their descriptions,
// shared by the beans with the same.
type attrList struct{ attrs, descr []string }

func newInterner() *interner {
	return &interner{texts: map[string]string{}, names: map[string]string{}, labels: map[string]string{}, lists: map[uint64][]attrList{}}
}

// text returns b as a string.
func (in *interner) text(b []byte) string {
	if in == nil {
		return string(b)
	}
	return in.get(in.texts, b, nil)
}

// name returns mk(raw), made once per raw name.
func (in *interner) name(raw []byte, mk func(string) string) string {
	if in == nil {
		return mk(string(raw))
	}
	return in.get(in.names, raw, mk)
}

// label returns mk(key), made once per key.
func (in *interner) label(key string, mk func(string) string) string {
	if in == nil {
		return mk(key)
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if s, ok := in.labels[key]; ok {
		return s
	}
	s := mk(key)
	if len(in.labels) < maxInterned {
		in.labels[key] = s
	}
	return s
}

// get looks key up in m (which maps a key to what mk made of it, or to
// itself when mk is nil) and adds it when there is room.
func (in *interner) get(m map[string]string, key []byte, mk func(string) string) string {
	in.mu.Lock()
	defer in.mu.Unlock()
	if s, ok := m[string(key)]; ok {
		return s
	}
	k := string(key)
	s := k
	if mk != nil {
		s = mk(k)
	}
	if len(m) < maxInterned {
		m[k] = s
	}
	return s
}

// attrList returns attrs and descr, or the equal lists of a bean seen
// before, which the caller must not change.
func (in *interner) attrList(attrs, descr []string) ([]string, []string) {
	if in == nil || len(attrs) == 0 {
		return attrs, descr
	}
	// Keyed by a hash of both lists, each string with its length in
	// front so that no two lists hash the same bytes: a key of the
	// strings themselves would keep a second copy of them.
	var h maphash.Hash
	h.SetSeed(listSeed)
	var n [binary.MaxVarintLen64]byte
	for i := range attrs {
		_, _ = h.Write(binary.AppendUvarint(n[:0], uint64(len(attrs[i]))))
		_, _ = h.WriteString(attrs[i])
		_, _ = h.Write(binary.AppendUvarint(n[:0], uint64(len(descr[i]))))
		_, _ = h.WriteString(descr[i])
	}
	key := h.Sum64()
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, l := range in.lists[key] {
		if slices.Equal(l.attrs, attrs) && slices.Equal(l.descr, descr) {
			return l.attrs, l.descr
		}
	}
	if len(in.lists) < maxInterned {
		in.lists[key] = append(in.lists[key], attrList{attrs, descr})
	}
	return attrs, descr
}

var listSeed = maphash.MakeSeed()
