package javaser

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Content: the dispatch on type codes, objects, arrays, enums and boxed primitives with their field values.

// boxedType returns the type of c's value field and the length of its
// hierarchy when an instance of c is decoded as a Boxed: c is named as a
// JDK primitive wrapper, is serializable with no writeObject and holds
// exactly the wrapper's field, and no superclass holds data. readNewObject
// would then decode it to an Object whose only data is that field.
func boxedType(c *ClassDesc) (byte, int) {
	if c.Proxy || c.Flags != SCSerializable || len(c.Fields) != 1 || c.Fields[0].Name != "value" {
		return 0, 0
	}
	var t byte
	switch c.Name {
	case "java.lang.Boolean":
		t = 'Z'
	case "java.lang.Byte":
		t = 'B'
	case "java.lang.Short":
		t = 'S'
	case "java.lang.Integer":
		t = 'I'
	case "java.lang.Long":
		t = 'J'
	case "java.lang.Float":
		t = 'F'
	case "java.lang.Double":
		t = 'D'
	}
	if t == 0 || c.Fields[0].Type != t {
		return 0, 0
	}
	n := 1
	for s := c.Super; s != nil; s = s.Super {
		if hasClassData(s) || n >= 64 {
			return 0, 0
		}
		n++
	}
	return t, n
}

// ReadContent reads one content element: an object (nil for TC_NULL) or a
// Block of block data.
func (d *Decoder) ReadContent() (any, error) {
	tc, err := d.peek()
	if err != nil {
		return nil, err
	}
	switch tc {
	case TCBlockData, TCBlockDataLong:
		b, err := d.ReadBlock()
		if err != nil {
			return nil, err
		}
		if len(b) > 0 && len(d.lastBlock) > 0 && &b[0] == &d.lastBlock[0] {
			return d.lastBlockAny, nil // the shared block, boxed once
		}
		return b, nil
	}
	return d.ReadObject()
}

// ReadObject reads one object (TC_NULL gives nil). Block data here is an
// error.
func (d *Decoder) ReadObject() (any, error) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	if err := d.step(1); err != nil {
		d.leave()
		return nil, err
	}
	// No defer: this is the hottest call of a reply, and a function with
	// this many returns gets no open-coded defer.
	v, err := d.readObject()
	d.leave()
	return v, err
}

func (d *Decoder) readObject() (any, error) {
	for {
		tc, err := d.u8()
		if err != nil {
			return nil, err
		}
		switch tc {
		case TCNull:
			return nil, nil
		case TCReference:
			return d.readReference()
		case TCString:
			n, err := d.u16()
			if err != nil {
				return nil, err
			}
			return d.readString(int(n))
		case TCLongString:
			n, err := d.u64()
			if err != nil {
				return nil, err
			}
			if n > math.MaxInt32 {
				return nil, fmt.Errorf("%w: string of %d bytes", ErrLimit, n)
			}
			return d.readString(int(n))
		case TCClassDesc, TCProxyClassDesc:
			return d.readClassDescBody(tc)
		case TCClass:
			cd, err := d.readClassDesc()
			if err != nil {
				return nil, err
			}
			if _, err := d.newHandle(cd); err != nil {
				return nil, err
			}
			return cd, nil
		case TCArray:
			return d.readArray()
		case TCEnum:
			return d.readEnum()
		case TCObject:
			return d.readNewObject()
		case TCReset:
			d.resetHandles()
			continue
		case TCException:
			d.resetHandles()
			t, err := d.ReadObject()
			if err != nil {
				return nil, err
			}
			d.resetHandles()
			return nil, &ExceptionInStream{Throwable: t}
		case TCBlockData, TCBlockDataLong:
			return nil, fmt.Errorf("unexpected block data where an object was expected")
		case TCEndBlockData:
			return nil, errEndBlock
		default:
			return nil, fmt.Errorf("unknown type code 0x%02x", tc)
		}
	}
}

var errEndBlock = errors.New("unexpected end of block data")

func (d *Decoder) readEnum() (*Enum, error) {
	cd, err := d.readClassDesc()
	if err != nil {
		return nil, err
	}
	e := &Enum{Class: cd}
	if _, err := d.newHandle(e); err != nil {
		return nil, err
	}
	v, err := d.ReadObject()
	if err != nil {
		return nil, err
	}
	s, ok := v.(string)
	if !ok {
		return nil, fmt.Errorf("enum constant name is %T, not a string", v)
	}
	e.Constant = s
	return e, nil
}

func (d *Decoder) readArray() (*Array, error) {
	cd, err := d.readClassDesc()
	if err != nil {
		return nil, err
	}
	if cd == nil || len(cd.Name) < 2 || cd.Name[0] != '[' {
		return nil, fmt.Errorf("array with class descriptor %v", cd)
	}
	a := &Array{Class: cd}
	if _, err := d.newHandle(a); err != nil {
		return nil, err
	}
	n32, err := d.u32()
	if err != nil {
		return nil, err
	}
	n := int(int32(n32))
	if n < 0 {
		return nil, fmt.Errorf("negative array length %d", n)
	}
	if d.limits.MaxArrayLen > 0 && n > d.limits.MaxArrayLen {
		return nil, fmt.Errorf("%w: array of %d elements", ErrLimit, n)
	}
	// Primitive elements cost their bytes; object elements are charged
	// by ReadObject.
	if err := d.step(1 + n/64); err != nil {
		return nil, err
	}
	// Preallocate no more than the bytes left could fill, so that a lying
	// length costs nothing.
	capHint := min(n, 4096)
	switch et := cd.Name[1]; et {
	case 'B':
		a.Prim, err = d.bytes(n)
	case 'Z':
		a.Prim, err = readPrims(d, n, capHint, 1, func(p []byte) bool { return p[0] != 0 })
	case 'C':
		a.Prim, err = readPrims(d, n, capHint, 2, binary.BigEndian.Uint16)
	case 'S':
		a.Prim, err = readPrims(d, n, capHint, 2, func(p []byte) int16 { return int16(binary.BigEndian.Uint16(p)) })
	case 'I':
		a.Prim, err = readPrims(d, n, capHint, 4, func(p []byte) int32 { return int32(binary.BigEndian.Uint32(p)) })
	case 'F':
		a.Prim, err = readPrims(d, n, capHint, 4, func(p []byte) float32 { return math.Float32frombits(binary.BigEndian.Uint32(p)) })
	case 'J':
		a.Prim, err = readPrims(d, n, capHint, 8, func(p []byte) int64 { return int64(binary.BigEndian.Uint64(p)) })
	case 'D':
		a.Prim, err = readPrims(d, n, capHint, 8, func(p []byte) float64 { return math.Float64frombits(binary.BigEndian.Uint64(p)) })
	case 'L', '[':
		a.Elems = make([]any, 0, capHint)
		for range n {
			v, err := d.ReadObject()
			if err != nil {
				return nil, err
			}
			a.Elems = append(a.Elems, v)
		}
	default:
		return nil, fmt.Errorf("array class %q: unknown element type", cd.Name)
	}
	if err != nil {
		return nil, err
	}
	return a, nil
}

// readPrims reads the n elements of a primitive array, each size bytes
// big-endian that elem turns into its value.
func readPrims[T any](d *Decoder, n, capHint, size int, elem func([]byte) T) ([]T, error) {
	v := make([]T, 0, capHint)
	for range n {
		p, err := d.take(size)
		if err != nil {
			return nil, err
		}
		v = append(v, elem(p))
	}
	return v, nil
}

func (d *Decoder) readNewObject() (any, error) {
	cd, err := d.readClassDesc()
	if err != nil {
		return nil, err
	}
	if cd == nil {
		return nil, errors.New("object with null class descriptor")
	}
	if cd.boxed != 0 {
		return d.readBoxed(cd)
	}
	if d.objectNames && isObjectName(cd) {
		return d.readObjectName(cd)
	}
	if cd.Flags&SCExternalizable != 0 {
		o := &Object{Class: cd}
		if _, err := d.newHandle(o); err != nil {
			return nil, err
		}
		if cd.Flags&SCBlockData == 0 {
			return nil, fmt.Errorf("externalizable class %s in protocol version 1 format", cd.Name)
		}
		custom, err := d.readCustom()
		if err != nil {
			return nil, fmt.Errorf("external data of %s: %w", cd.Name, err)
		}
		o.Data = []ClassData{{Class: cd, Custom: custom}}
		return o, nil
	}
	// Hierarchy top down.
	var chainBuf [8]*ClassDesc
	chain := chainBuf[:0]
	withData, fields := 0, 0
	for c := cd; c != nil && len(chain) <= 64; c = c.Super {
		chain = append(chain, c)
		if hasClassData(c) {
			withData++
			fields += len(c.Fields)
		}
	}
	// Most objects of a reply (a boxed number, an Attribute) have one
	// class with data and a field or two: the object, its class data and
	// its values are then one allocation instead of three.
	var o *Object
	var values []any // for the values of the class with data
	switch {
	case withData == 1 && fields <= 1:
		var x *object1
		if d.arena != nil {
			x = d.arena.o1.next()
			*x = object1{o: Object{Class: cd}}
		} else {
			x = &object1{o: Object{Class: cd}}
		}
		x.o.Data, values = x.data[:0], x.vals[:fields]
		o = &x.o
	case withData == 1 && fields == 2:
		var x *object2
		if d.arena != nil {
			x = d.arena.o2.next()
			*x = object2{o: Object{Class: cd}}
		} else {
			x = &object2{o: Object{Class: cd}}
		}
		x.o.Data, values = x.data[:0], x.vals[:]
		o = &x.o
	default:
		o = &Object{Class: cd}
	}
	if _, err := d.newHandle(o); err != nil {
		return nil, err
	}
	if len(chain) > 64 {
		return nil, fmt.Errorf("%w: class hierarchy deeper than 64", ErrLimit)
	}
	// Walking the hierarchy is work even when its classes hold nothing:
	// a 6-byte reference to a deep class must not be free.
	if err := d.step(len(chain)); err != nil {
		return nil, err
	}
	// Only the classes that wrote something get a ClassData (Field and
	// Custom find nothing in the others), so an object of a deep but empty
	// hierarchy costs no more heap than a shallow one.
	if o.Data == nil {
		o.Data = make([]ClassData, 0, withData)
	}
	for i := len(chain) - 1; i >= 0; i-- {
		c := chain[i]
		if !hasClassData(c) {
			continue
		}
		cdata := ClassData{Class: c}
		if c.Flags&SCSerializable != 0 {
			if len(c.Fields) > 0 {
				// A 1-byte field takes a 16-byte slot.
				if err := d.step(len(c.Fields)); err != nil {
					return nil, err
				}
				if values != nil {
					cdata.Values = values
				} else {
					cdata.Values = make([]any, len(c.Fields))
				}
			}
			for j, f := range c.Fields {
				var v any
				var err error
				if f.Name == "name" && f.ClassName == "Ljava/lang/String;" {
					v, err = d.readName()
				} else {
					v, err = d.readField(f.Type)
				}
				if err != nil {
					return nil, fmt.Errorf("field %s.%s: %w", c.Name, f.Name, err)
				}
				cdata.Values[j] = v
			}
			if c.Flags&SCWriteMethod != 0 {
				custom, err := d.readCustom()
				if err != nil {
					return nil, fmt.Errorf("custom data of %s: %w", c.Name, err)
				}
				cdata.Custom = custom
			}
		}
		o.Data = append(o.Data, cdata)
	}
	return o, nil
}

// readBoxed reads an instance of a primitive wrapper (cd.boxed != 0),
// charging what readNewObject charges for it, in the same order.
func (d *Decoder) readBoxed(cd *ClassDesc) (*Boxed, error) {
	var b *Boxed
	if d.arena != nil {
		b = d.arena.boxes.next()
	} else {
		if len(d.boxes) == 0 {
			d.boxes = make([]Boxed, 64)
		}
		b = &d.boxes[0]
		d.boxes = d.boxes[1:]
	}
	b.Class, b.Type = cd, cd.boxed
	if _, err := d.newHandle(b); err != nil {
		return nil, err
	}
	if err := d.step(cd.boxedChain); err != nil {
		return nil, err
	}
	if err := d.step(1); err != nil { // the value field
		return nil, err
	}
	var err error
	switch b.Type {
	case 'Z', 'B':
		var v byte
		v, err = d.u8()
		b.Bits = uint64(v)
	case 'S':
		var v uint16
		v, err = d.u16()
		b.Bits = uint64(v)
	case 'I', 'F':
		var v uint32
		v, err = d.u32()
		b.Bits = uint64(v)
	default: // 'J', 'D'
		b.Bits, err = d.u64()
	}
	if err != nil {
		return nil, fmt.Errorf("field %s.value: %w", cd.Name, err)
	}
	return b, nil
}

// object1 and object2 are an Object with one class of data and room for
// its values, allocated at once.
type object1 struct {
	o    Object
	data [1]ClassData
	vals [1]any
}

type object2 struct {
	o    Object
	data [1]ClassData
	vals [2]any
}

// hasClassData reports whether an instance carries data for class c: its
// serializable fields or what its writeObject wrote.
func hasClassData(c *ClassDesc) bool {
	return c.Flags&SCSerializable != 0 && (len(c.Fields) > 0 || c.Flags&SCWriteMethod != 0)
}

func (d *Decoder) readField(t byte) (any, error) {
	switch t {
	case 'B':
		b, err := d.u8()
		return int8(b), err
	case 'Z':
		b, err := d.u8()
		return b != 0, err
	case 'C':
		v, err := d.u16()
		return v, err
	case 'S':
		v, err := d.u16()
		return int16(v), err
	case 'I':
		v, err := d.u32()
		return int32(v), err
	case 'F':
		v, err := d.u32()
		return math.Float32frombits(v), err
	case 'J':
		v, err := d.u64()
		return int64(v), err
	case 'D':
		v, err := d.u64()
		return math.Float64frombits(v), err
	default:
		return d.ReadObject()
	}
}

// ObjectName is a javax.management.ObjectName read as its name
// (SetObjectNames). It is decoded as a pointer: cut from the arena when
// one is set, it costs no allocation.
type ObjectName struct{ Name string }

// SetObjectNames makes the decoder read, until the next call, a
// javax.management.ObjectName written as the JDK writes it (no
// serializable fields, its name as the only custom data item) as an
// *ObjectName instead of an Object: what a queryNames return holds
// thousands of. Any other ObjectName is an Object as without it.
func (d *Decoder) SetObjectNames(on bool) { d.objectNames = on }

// isObjectName reports whether c is ObjectName's class as the JDK writes
// it: custom data only, no superclass.
func isObjectName(c *ClassDesc) bool {
	return c.Name == "javax.management.ObjectName" && !c.Proxy && c.Flags == SCSerializable|SCWriteMethod &&
		len(c.Fields) == 0 && c.Super == nil
}

// readObjectName reads an instance of an ObjectName class (isObjectName)
// as readNewObject does, charging the same, and returns its name when its
// custom data is one string, else the Object readNewObject makes.
func (d *Decoder) readObjectName(cd *ClassDesc) (any, error) {
	// Until the data is read, the handle holds an ObjectName with no
	// data: what a back-reference from within the data gets (an error
	// where a class descriptor is expected, as the Object would be).
	if d.pendingName == nil || d.pendingName.Class != cd {
		d.pendingName = &Object{Class: cd}
	}
	h, err := d.newHandle(d.pendingName)
	if err != nil {
		return nil, err
	}
	if err := d.step(1); err != nil { // the hierarchy: one class
		return nil, err
	}
	custom, err := d.readCustom()
	if err != nil {
		return nil, fmt.Errorf("custom data of %s: %w", cd.Name, err)
	}
	var v any
	if s, ok := oneString(custom); ok {
		var n *ObjectName
		if d.arena != nil {
			n = d.arena.names.next()
		} else {
			n = new(ObjectName)
		}
		n.Name = s
		v = n
	} else {
		v = &Object{Class: cd, Data: []ClassData{{Class: cd, Custom: custom}}}
	}
	// A TC_RESET inside the data may have cleared the handles.
	if h < len(d.handles) && d.handles[h] == any(d.pendingName) {
		d.handles[h] = v
	}
	return v, nil
}

func oneString(items []any) (string, bool) {
	if len(items) != 1 {
		return "", false
	}
	s, ok := items[0].(string)
	return s, ok
}
