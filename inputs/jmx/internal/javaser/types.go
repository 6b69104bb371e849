package javaser

import "math"

// The decoded values: class descriptors, objects, arrays, enums, block data, boxed primitives and the accessors of Object.

// ClassDesc is a decoded class descriptor.
type ClassDesc struct {
	Name       string
	SUID       int64
	Flags      byte
	Fields     []FieldDesc
	Super      *ClassDesc
	Proxy      bool
	Interfaces []string // proxy classes only
	Annotation []any
	// boxed is the type of the value field when the class is one of the
	// JDK's primitive wrappers (see Boxed), 0 otherwise; boxedChain is
	// then the length of its hierarchy. Set when the descriptor is made.
	boxed      byte
	boxedChain int
}

// FieldDesc is one serializable field of a class.
type FieldDesc struct {
	Type      byte // B C D F I J S Z L [
	Name      string
	ClassName string // for L and [ fields, in JVM descriptor form
}

// ClassData is the part of an object that one class of its hierarchy
// wrote: its field values in descriptor order and the custom data its
// writeObject method (or writeExternal) wrote, as a list of Block and
// objects.
type ClassData struct {
	Class  *ClassDesc
	Values []any
	Custom []any
}

// Object is a decoded TC_OBJECT. Data holds one ClassData per serializable
// class, from the topmost superclass down to Class itself.
type Object struct {
	Class *ClassDesc
	Data  []ClassData
}

// Array is a decoded TC_ARRAY. Elems holds object elements; primitive
// arrays are held in Prim as []byte ([B), []uint16 ([C, as a char is
// decoded alone), []int16, []int32, []int64, []float32, []float64 or
// []bool.
type Array struct {
	Class *ClassDesc
	Elems []any
	Prim  any
}

// Enum is a decoded TC_ENUM constant.
type Enum struct {
	Class    *ClassDesc
	Constant string
}

// Block is block data: primitive data written by a custom writeObject.
// A block of a few bytes may be shared by the objects (and replies) of a
// decoder that read the same bytes: read blocks, never write them.
type Block []byte

// ExceptionInStream is a TC_EXCEPTION marker: the writer failed mid-stream
// and wrote the Throwable that aborted it.
type ExceptionInStream struct {
	Throwable any
}

func (e *ExceptionInStream) Error() string {
	return "stream aborted by writer: " + throwableMessage(e.Throwable)
}

// Boxed is an instance of a JDK primitive wrapper (java.lang.Boolean,
// Byte, Short, Integer, Long, Float or Double) decoded as its value
// rather than as an Object: the values of most replies are these, and an
// Object costs five times the memory. Only a class shaped as the JDK's
// (its value field of the right type, nothing else serialized) is decoded
// so; any other is an Object.
type Boxed struct {
	Class *ClassDesc
	// Type is the value field's type code: Z B S I J F D.
	Type byte
	// Bits are the value's bytes as written, big-endian, in the low bits.
	Bits uint64
}

// Int returns the value of a Byte, Short, Integer or Long.
func (b *Boxed) Int() int64 {
	switch b.Type {
	case 'B':
		return int64(int8(b.Bits))
	case 'S':
		return int64(int16(b.Bits))
	case 'I':
		return int64(int32(b.Bits))
	}
	return int64(b.Bits)
}

// Bool returns the value of a Boolean.
func (b *Boxed) Bool() bool { return b.Bits != 0 }

// Float32 returns the value of a Float.
func (b *Boxed) Float32() float32 { return math.Float32frombits(uint32(b.Bits)) }

// Float64 returns the value of a Double.
func (b *Boxed) Float64() float64 { return math.Float64frombits(b.Bits) }

// Field returns the value of the named field declared by the class named
// class in o's hierarchy, or by any class when class is "".
func (o *Object) Field(class, name string) (any, bool) {
	for i := len(o.Data) - 1; i >= 0; i-- {
		cd := &o.Data[i]
		if class != "" && cd.Class.Name != class {
			continue
		}
		for j, f := range cd.Class.Fields {
			if f.Name == name && j < len(cd.Values) {
				return cd.Values[j], true
			}
		}
	}
	return nil, false
}

// Custom returns the custom data written by the named class of o's
// hierarchy.
func (o *Object) Custom(class string) []any {
	for i := range o.Data {
		if o.Data[i].Class.Name == class {
			return o.Data[i].Custom
		}
	}
	return nil
}

// Is reports whether the object's class, or one of its superclasses, is
// named class.
func (o *Object) Is(class string) bool {
	// A hostile stream can make a class its own superclass: bound the walk.
	n := 0
	for c := o.Class; c != nil && n < 64; c = c.Super {
		if c.Name == class {
			return true
		}
		n++
	}
	return false
}
