package javaser

import "fmt"

// Class descriptors: TC_CLASSDESC and TC_PROXYCLASSDESC, their fields, annotation and superclass.

// readClassDesc reads a class descriptor position: TC_CLASSDESC,
// TC_PROXYCLASSDESC, TC_NULL or a reference to one.
func (d *Decoder) readClassDesc() (*ClassDesc, error) {
	v, err := d.ReadObject()
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, nil
	}
	cd, ok := v.(*ClassDesc)
	if !ok {
		return nil, fmt.Errorf("expected a class descriptor, got %T", v)
	}
	return cd, nil
}

func (d *Decoder) readClassDescBody(tc byte) (*ClassDesc, error) {
	if tc == TCProxyClassDesc {
		return d.readProxyDesc()
	}
	// Parse into this level's scratch descriptor (see cdScratch).
	if d.cdDepth == len(d.cdScratch) {
		d.cdScratch = append(d.cdScratch, &ClassDesc{})
	}
	cd := d.cdScratch[d.cdDepth]
	*cd = ClassDesc{Fields: cd.Fields[:0]}
	d.cdDepth++
	var shared *ClassDesc
	var err error
	if e := d.rawMatch(); e != nil {
		shared, err = d.readClassDescRaw(cd, e)
	} else {
		shared, err = d.readClassDescFull(cd)
	}
	d.cdDepth--
	return shared, err
}

func (d *Decoder) readProxyDesc() (*ClassDesc, error) {
	cd := &ClassDesc{Proxy: true}
	if _, err := d.newHandle(cd); err != nil {
		return nil, err
	}
	n, err := d.u32()
	if err != nil {
		return nil, err
	}
	if n > 65535 {
		return nil, fmt.Errorf("%w: proxy with %d interfaces", ErrLimit, n)
	}
	for range n {
		s, err := d.readUTFIntern()
		if err != nil {
			return nil, err
		}
		cd.Interfaces = append(cd.Interfaces, s)
	}
	if err := d.readClassRest(cd); err != nil {
		return nil, err
	}
	return cd, nil
}

// readClassDescFull reads a non-proxy descriptor's body into cd, this
// level's scratch descriptor, and returns the shared equal descriptor or
// a heap copy that becomes the shared one. Its bytes up to the last field
// are remembered for rawMatch when they were buffered.
func (d *Decoder) readClassDescFull(cd *ClassDesc) (*ClassDesc, error) {
	view, _ := d.r.Peek(d.r.Buffered())
	n0 := d.n
	handle, err := d.readClassFields(cd)
	if err != nil {
		return nil, err
	}
	e := d.rawEntry(cd, handle, view, int(d.n-n0))
	if err := d.readClassRest(cd); err != nil {
		return nil, err
	}
	shared := d.shareClass(cd)
	// A TC_RESET inside the descriptor may have cleared the handles.
	if handle < len(d.handles) && d.handles[handle] == any(cd) {
		d.handles[handle] = shared
	}
	if e != nil {
		d.setRawClass(e, shared)
		d.keepRaw(e)
	}
	return shared, nil
}

// readClassFields reads a non-proxy descriptor from its name to its last
// field into cd and returns cd's handle.
func (d *Decoder) readClassFields(cd *ClassDesc) (int, error) {
	name, err := d.readUTFIntern()
	if err != nil {
		return 0, err
	}
	cd.Name = name
	suid, err := d.u64()
	if err != nil {
		return 0, err
	}
	cd.SUID = int64(suid)
	handle, err := d.newHandle(cd)
	if err != nil {
		return 0, err
	}
	if cd.Flags, err = d.u8(); err != nil {
		return 0, err
	}
	n, err := d.u16()
	if err != nil {
		return 0, err
	}
	if n > maxFields {
		return 0, fmt.Errorf("%w: class %s with %d fields", ErrLimit, cd.Name, n)
	}
	for range n {
		var f FieldDesc
		if f.Type, err = d.u8(); err != nil {
			return 0, err
		}
		if f.Name, err = d.readUTFIntern(); err != nil {
			return 0, err
		}
		switch f.Type {
		case 'B', 'C', 'D', 'F', 'I', 'J', 'S', 'Z':
		case 'L', '[':
			v, err := d.readInterned()
			if err != nil {
				return 0, err
			}
			s, ok := v.(string)
			if !ok {
				return 0, fmt.Errorf("field %s of %s: class name is %T, not a string", f.Name, cd.Name, v)
			}
			f.ClassName = s
		default:
			return 0, fmt.Errorf("field %s of %s: unknown type code %q", f.Name, cd.Name, f.Type)
		}
		cd.Fields = append(cd.Fields, f)
	}
	return handle, nil
}

// nullAnnotation reads an annotation that is one null (TC_NULL
// TC_ENDBLOCKDATA: what RMI's MarshalOutputStream writes for every
// class) when it comes next and reading it cannot reach a limit,
// charging what readCustom does for it: the bytes, a step for the item
// and one for the object, a level of depth. It reports whether it did;
// readCustom reads any other annotation, and reports the limits.
func (d *Decoder) nullAnnotation() bool {
	if noNullAnnotation || d.r.Buffered() < 2 {
		return false
	}
	p, _ := d.r.Peek(2)
	if p[0] != TCNull || p[1] != TCEndBlockData {
		return false
	}
	l := d.limits
	if l.MaxBytes > 0 && d.n+2 > l.MaxBytes || l.MaxSteps > 0 && d.steps+2 > l.MaxSteps ||
		l.MaxDepth > 0 && d.depth+1 > l.MaxDepth {
		return false
	}
	d.n += 2
	d.steps += 2
	_, _ = d.r.Discard(2)
	return true
}

// noNullAnnotation turns nullAnnotation off (tests).
var noNullAnnotation bool

// readClassRest reads a descriptor's annotation and superclass into cd.
func (d *Decoder) readClassRest(cd *ClassDesc) error {
	if d.nullAnnotation() {
		cd.Annotation = nilOnly[:1:1]
	} else {
		ann, err := d.readCustom()
		if err != nil {
			return fmt.Errorf("annotation of class %s: %w", cd.Name, err)
		}
		cd.Annotation = ann
	}
	var err error
	if cd.Super, err = d.readClassDesc(); err != nil {
		return fmt.Errorf("superclass of %s: %w", cd.Name, err)
	}
	return nil
}
