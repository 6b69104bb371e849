package javaser

import "slices"

// The per-connection caches: interned strings and shared class descriptors, bounded by bytes.

type classKey struct {
	name string
	suid int64
}

// The caches live as long as a pooled connection, across replies, so
// they are bounded by bytes: a name is up to 64 KiB and a class holds up
// to maxFields fields, so a count alone would let one server pin hundreds
// of MiB per connection. When a cache reaches its bound it starts afresh.
const (
	// maxInternLen is the longest name interned; real class and field
	// names are far shorter, longer ones are decoded each time.
	maxInternLen = 256
	// maxNamesBytes and maxClassesBytes bound the caches' estimated heap.
	maxNamesBytes   = 1 << 20
	maxClassesBytes = 4 << 20
)

// intern returns the decoded string for b, shared when seen before.
func (d *Decoder) intern(b []byte) (string, error) {
	v, err := d.internBoxed(b)
	s, _ := v.(string)
	return s, err
}

// internBoxed is intern returning the string as an interface value,
// which is shared too: converting a string to an interface allocates.
func (d *Decoder) internBoxed(b []byte) (any, error) {
	if v, ok := d.names[string(b)]; ok {
		return v, nil
	}
	s, err := decodeModifiedUTF8(b)
	if err != nil {
		return nil, err
	}
	v := any(s)
	if len(b) > maxInternLen {
		return v, nil
	}
	// A map entry: a string and an interface header, the key's bytes,
	// the value's and its box.
	cost := 64 + len(b) + len(s)
	if d.names == nil || d.namesBytes+cost > maxNamesBytes {
		d.names = make(map[string]any)
		d.namesBytes = 0
	}
	d.names[string(b)] = v
	d.namesBytes += cost
	return v, nil
}

// classCost estimates the heap a cached descriptor holds.
func classCost(cd *ClassDesc) int {
	n := 160 + len(cd.Name)
	for _, f := range cd.Fields {
		n += 40 + len(f.Name) + len(f.ClassName)
	}
	return n
}

// shareClass returns a cached descriptor equal to cd, or caches cd.
func (d *Decoder) shareClass(cd *ClassDesc) *ClassDesc {
	for _, a := range cd.Annotation {
		if a != nil {
			return cloneClass(cd)
		}
	}
	k := classKey{cd.Name, cd.SUID}
	c, ok := d.classes[k]
	if ok && c.Flags == cd.Flags && c.Super == cd.Super && slices.Equal(c.Fields, cd.Fields) {
		return c
	}
	if ok {
		d.classGen++ // an entry is replaced
	}
	c = cloneClass(cd)
	cost := classCost(c)
	if cost > maxClassesBytes/16 {
		return c // too big to keep
	}
	if d.classes == nil || d.classBytes+cost > maxClassesBytes {
		d.classes = make(map[classKey]*ClassDesc)
		d.classBytes = 0
		d.classGen++
	}
	d.classes[k] = c
	d.classBytes += cost
	return c
}

// cloneClass copies a (scratch) descriptor to the heap.
func cloneClass(cd *ClassDesc) *ClassDesc {
	c := new(ClassDesc)
	*c = *cd
	c.Fields = slices.Clone(cd.Fields)
	if len(cd.Annotation) != 1 || cd.Annotation[0] != nil {
		// An annotation read with an arena is in it: the descriptor
		// outlives the arena's Reset (the cache, rawClass.cd).
		c.Annotation = slices.Clone(cd.Annotation)
	}
	c.boxed, c.boxedChain = boxedType(c)
	return c
}
