package javaser

import (
	"encoding/binary"
	"math"
	"unicode/utf16"
)

// Encoder writes the few serialized arguments the client sends. It never
// writes back-references: every class descriptor is written in full, which
// any ObjectInputStream accepts.
type Encoder struct {
	// B is the encoded bytes; callers reset it (B = B[:0]) between
	// messages and may append raw protocol bytes to it.
	B []byte
}

// U8 writes a byte.
func (e *Encoder) U8(v byte) { e.B = append(e.B, v) }

// U16 writes a big-endian uint16.
func (e *Encoder) U16(v uint16) { e.B = binary.BigEndian.AppendUint16(e.B, v) }

// U32 writes a big-endian uint32.
func (e *Encoder) U32(v uint32) { e.B = binary.BigEndian.AppendUint32(e.B, v) }

// U64 writes a big-endian uint64.
func (e *Encoder) U64(v uint64) { e.B = binary.BigEndian.AppendUint64(e.B, v) }

// Header writes the stream magic and version.
func (e *Encoder) Header() {
	e.U16(StreamMagic)
	e.U16(StreamVersion)
}

// Block writes p as one block data record (p must be at most 255 bytes).
func (e *Encoder) Block(p []byte) {
	e.U8(TCBlockData)
	e.U8(byte(len(p)))
	e.B = append(e.B, p...)
}

// Null writes TC_NULL.
func (e *Encoder) Null() { e.U8(TCNull) }

// UTF writes a u16-length modified UTF-8 string (no type code).
func (e *Encoder) UTF(s string) {
	if isASCII(s) { // the common case, without a copy of s
		e.U16(uint16(len(s)))
		e.B = append(e.B, s...)
		return
	}
	m := modifiedUTF8(s)
	e.U16(uint16(len(m)))
	e.B = append(e.B, m...)
}

// Str writes a String object.
func (e *Encoder) Str(s string) {
	if isASCII(s) && len(s) <= math.MaxUint16 { // without a copy of s
		e.U8(TCString)
		e.U16(uint16(len(s)))
		e.B = append(e.B, s...)
		return
	}
	m := modifiedUTF8(s)
	if len(m) > math.MaxUint16 {
		e.U8(TCLongString)
		e.U64(uint64(len(m)))
	} else {
		e.U8(TCString)
		e.U16(uint16(len(m)))
	}
	e.B = append(e.B, m...)
}

// isASCII reports whether s is its own modified UTF-8: ASCII without NUL.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] == 0 {
			return false
		}
	}
	return true
}

// FieldSpec is one field of a class descriptor ClassDesc writes: its type
// code, name and, for objects and arrays, its class name in JVM form.
type FieldSpec struct {
	Type      byte
	Name      string
	ClassName string
}

// ClassDesc writes a TC_CLASSDESC with RMI's class annotation (a null
// codebase, as MarshalOutputStream writes) and no superclass.
func (e *Encoder) ClassDesc(name string, suid uint64, flags byte, fields ...FieldSpec) {
	e.ClassDescFields(name, suid, flags, fields...)
	e.U8(TCNull) // codebase annotation
	e.U8(TCEndBlockData)
	e.U8(TCNull) // superclass
}

// ClassDescFields writes a TC_CLASSDESC up to its fields: the caller
// writes its annotation, TC_ENDBLOCKDATA and superclass.
func (e *Encoder) ClassDescFields(name string, suid uint64, flags byte, fields ...FieldSpec) {
	e.U8(TCClassDesc)
	e.UTF(name)
	e.U64(suid)
	e.U8(flags)
	e.U16(uint16(len(fields)))
	for _, f := range fields {
		e.U8(f.Type)
		e.UTF(f.Name)
		if f.Type == 'L' || f.Type == '[' {
			e.Str(f.ClassName)
		}
	}
}

// SUIDs from hashes/suids.txt (checked against OpenJDK 17).
const (
	suidObjectName  = 0x0F03A71BEB6D15CF
	suidStringArray = 0xADD256E7E91D7B47
)

// ObjectName writes a javax.management.ObjectName.
func (e *Encoder) ObjectName(name string) {
	e.U8(TCObject)
	e.ClassDesc("javax.management.ObjectName", suidObjectName, SCSerializable|SCWriteMethod)
	e.Str(name)
	e.U8(TCEndBlockData)
}

// StringArray writes a String[].
func (e *Encoder) StringArray(ss []string) {
	e.U8(TCArray)
	e.ClassDesc("[Ljava.lang.String;", suidStringArray, SCSerializable)
	e.U32(uint32(len(ss)))
	for _, s := range ss {
		e.Str(s)
	}
}

// modifiedUTF8 encodes s as Java's modified UTF-8.
func modifiedUTF8(s string) []byte {
	if isASCII(s) {
		return []byte(s)
	}
	var out []byte
	for _, c := range utf16.Encode([]rune(s)) {
		switch {
		case c != 0 && c < 0x80:
			out = append(out, byte(c))
		case c < 0x800:
			out = append(out, 0xC0|byte(c>>6), 0x80|byte(c&0x3F))
		default:
			out = append(out, 0xE0|byte(c>>12), 0x80|byte(c>>6&0x3F), 0x80|byte(c&0x3F))
		}
	}
	return out
}
