package javaser

import (
	"bytes"
	"encoding/binary"
	"slices"
)

// Repeated class descriptors: a descriptor's bytes are kept and matched instead of parsed again.

// Every reply of a connection repeats its class descriptors byte for byte
// (a new stream each, so no back-reference to the last reply's). A
// descriptor's bytes from its name to its last field are kept with the
// descriptor they made; when the next descriptor's bytes are the same
// (and the strings its back-references name are), it is not parsed again:
// only its annotation and superclass are read.
type rawClass struct {
	raw  []byte // the bytes, from the name's length to the last field
	name string
	suid int64
	// cd is the shared descriptor the bytes made last time, and gen the
	// decoder's classGen when it was the cached one (0: it was not):
	// while gen is the decoder's, the cache holds cd still.
	cd  *ClassDesc
	gen uint64
	// strs are the field class names written as strings: each got a
	// handle, in order, after the descriptor's.
	strs []any
	// refs are the field class names written as back-references.
	refs []rawRef
	// objFields is how many fields name a class: a ReadObject (a step,
	// a level of depth) each.
	objFields int
}

type rawRef struct {
	handle int
	name   string
}

// maxRawClass is the longest descriptor kept; maxRawBytes bounds the
// estimated heap of the kept ones (like maxClassesBytes).
const (
	maxRawClass = 4 << 10
	maxRawBytes = 1 << 20
)

// rawMatch returns the kept descriptor whose bytes come next in the
// reader's buffer, if any, and if reading it cannot reach a limit (the
// full parse then reports the limit as it always does).
func (d *Decoder) rawMatch() *rawClass {
	if len(d.raws) == 0 {
		return nil
	}
	p, _ := d.r.Peek(d.r.Buffered()) // what is buffered: never waits
	if len(p) < 2 {
		return nil
	}
	n := 2 + int(binary.BigEndian.Uint16(p))
	if n > len(p) {
		return nil
	}
	e := d.raws[string(p[2:n])]
	if e == nil || len(e.raw) > len(p) || !bytes.Equal(e.raw, p[:len(e.raw)]) {
		return nil
	}
	for _, r := range e.refs {
		if r.handle >= len(d.handles) {
			return nil
		}
		if s, ok := d.handles[r.handle].(string); !ok || s != r.name {
			return nil
		}
	}
	l := d.limits
	if l.MaxBytes > 0 && d.n+int64(len(e.raw)) > l.MaxBytes ||
		l.MaxHandles > 0 && len(d.handles)+1+len(e.strs) > l.MaxHandles ||
		l.MaxSteps > 0 && d.steps+int64(e.objFields) > l.MaxSteps ||
		l.MaxDepth > 0 && e.objFields > 0 && d.depth+1 > l.MaxDepth {
		return nil
	}
	return e
}

// readClassDescRaw reads a descriptor whose bytes rawMatch matched with
// e: what readClassDescFull would, without parsing them.
func (d *Decoder) readClassDescRaw(cd *ClassDesc, e *rawClass) (*ClassDesc, error) {
	d.n += int64(len(e.raw))
	d.steps += int64(e.objFields)
	_, _ = d.r.Discard(len(e.raw))
	cd.Name, cd.SUID = e.name, e.suid
	handle := len(d.handles)
	d.handles = append(d.handles, cd)
	d.handles = append(d.handles, e.strs...)
	if err := d.readClassRest(cd); err != nil {
		return nil, err
	}
	var shared *ClassDesc
	if cd.Super == e.cd.Super && !slices.ContainsFunc(cd.Annotation, func(a any) bool { return a != nil }) &&
		e.gen != 0 && e.gen == d.classGen {
		shared = e.cd // what shareClass would return
	} else {
		cd.Flags = e.cd.Flags
		cd.Fields = append(cd.Fields[:0], e.cd.Fields...)
		shared = d.shareClass(cd)
		d.setRawClass(e, shared)
	}
	if handle < len(d.handles) && d.handles[handle] == any(cd) {
		d.handles[handle] = shared
	}
	return shared, nil
}

// rawEntry makes the entry of a descriptor just read into cd (its handle),
// from view, the bytes buffered before it, of which it took n: nil when
// they were not all buffered or hold something else than strings and
// back-references where class names are.
func (d *Decoder) rawEntry(cd *ClassDesc, handle int, view []byte, n int) *rawClass {
	if n > len(view) || n > maxRawClass || handle >= len(d.handles) || d.handles[handle] != any(cd) {
		return nil
	}
	raw := view[:n] // intact: reading within the buffered bytes never refills
	e := &rawClass{name: cd.Name, suid: cd.SUID}
	i := 2 + int(binary.BigEndian.Uint16(raw)) + 8 + 1 + 2
	strs := 0
	for _, f := range cd.Fields {
		if i+3 > n {
			return nil
		}
		i += 3 + int(binary.BigEndian.Uint16(raw[i+1:]))
		if f.Type != 'L' && f.Type != '[' {
			continue
		}
		if i >= n {
			return nil
		}
		e.objFields++
		switch raw[i] {
		case TCString:
			if i+3 > n {
				return nil
			}
			i += 3 + int(binary.BigEndian.Uint16(raw[i+1:]))
			strs++
		case TCReference:
			if i+5 > n {
				return nil
			}
			h := int(int64(binary.BigEndian.Uint32(raw[i+1:])) - BaseWireHandle)
			e.refs = append(e.refs, rawRef{h, f.ClassName})
			i += 5
		default:
			return nil
		}
	}
	if i != n || len(d.handles)-handle-1 != strs {
		return nil
	}
	e.strs = slices.Clone(d.handles[handle+1:])
	e.raw = bytes.Clone(raw)
	return e
}

// setRawClass makes cd the descriptor e's bytes made.
func (d *Decoder) setRawClass(e *rawClass, cd *ClassDesc) {
	e.cd, e.gen = cd, 0
	if d.classes[classKey{e.name, e.suid}] == cd {
		e.gen = d.classGen
	}
}

// keepRaw keeps e for rawMatch, within maxRawBytes.
func (d *Decoder) keepRaw(e *rawClass) {
	cost := 128 + 2*len(e.raw) + 16*len(e.strs) + 24*len(e.refs)
	if d.raws == nil || d.rawBytes+cost > maxRawBytes {
		d.raws = make(map[string]*rawClass)
		d.rawBytes = 0
	}
	nameLen := int(binary.BigEndian.Uint16(e.raw))
	d.raws[string(e.raw[2:2+nameLen])] = e
	d.rawBytes += cost
}
