package jmx

import (
	"encoding/binary"
	"math"
	"unicode/utf16"
)

// encoder writes the few serialized arguments the client sends. It never
// writes back-references: every class descriptor is written in full, which
// any ObjectInputStream accepts.
type encoder struct {
	b []byte
}

func (e *encoder) u8(v byte)    { e.b = append(e.b, v) }
func (e *encoder) u16(v uint16) { e.b = binary.BigEndian.AppendUint16(e.b, v) }
func (e *encoder) u32(v uint32) { e.b = binary.BigEndian.AppendUint32(e.b, v) }
func (e *encoder) u64(v uint64) { e.b = binary.BigEndian.AppendUint64(e.b, v) }

func (e *encoder) header() {
	e.u16(streamMagic)
	e.u16(streamVersion)
}

// block writes p as one block data record (p must be at most 255 bytes).
func (e *encoder) block(p []byte) {
	e.u8(tcBlockData)
	e.u8(byte(len(p)))
	e.b = append(e.b, p...)
}

func (e *encoder) null() { e.u8(tcNull) }

// utf writes a u16-length modified UTF-8 string (no type code).
func (e *encoder) utf(s string) {
	m := modifiedUTF8(s)
	e.u16(uint16(len(m)))
	e.b = append(e.b, m...)
}

// str writes a String object.
func (e *encoder) str(s string) {
	m := modifiedUTF8(s)
	if len(m) > math.MaxUint16 {
		e.u8(tcLongString)
		e.u64(uint64(len(m)))
	} else {
		e.u8(tcString)
		e.u16(uint16(len(m)))
	}
	e.b = append(e.b, m...)
}

type fieldSpec struct {
	typ       byte
	name      string
	className string
}

// classDesc writes a TC_CLASSDESC with RMI's class annotation (a null
// codebase, as MarshalOutputStream writes) and no superclass.
func (e *encoder) classDesc(name string, suid uint64, flags byte, fields ...fieldSpec) {
	e.u8(tcClassDesc)
	e.utf(name)
	e.u64(suid)
	e.u8(flags)
	e.u16(uint16(len(fields)))
	for _, f := range fields {
		e.u8(f.typ)
		e.utf(f.name)
		if f.typ == 'L' || f.typ == '[' {
			e.str(f.className)
		}
	}
	e.u8(tcNull) // codebase annotation
	e.u8(tcEndBlockData)
	e.u8(tcNull) // superclass
}

// SUIDs from hashes/suids.txt (checked against OpenJDK 17).
const (
	suidObjectName  = 0x0F03A71BEB6D15CF
	suidStringArray = 0xADD256E7E91D7B47
	suidObjIDArray  = 0x871300B8D02C647E
	suidObjID       = 0xA75EFA128DDCE55C
	suidUID         = 0x0F12700DBF364F12
	suidLease       = 0xB0B5E2660C4ADC34
	suidVMID        = 0xF8865BAFA4A56DB6
	suidByteArray   = 0xACF317F8060854E0
)

func (e *encoder) objectName(name string) {
	e.u8(tcObject)
	e.classDesc("javax.management.ObjectName", suidObjectName, scSerializable|scWriteMethod)
	e.str(name)
	e.u8(tcEndBlockData)
}

func (e *encoder) stringArray(ss []string) {
	e.u8(tcArray)
	e.classDesc("[Ljava.lang.String;", suidStringArray, scSerializable)
	e.u32(uint32(len(ss)))
	for _, s := range ss {
		e.str(s)
	}
}

func (e *encoder) uidObject(u UID) {
	e.u8(tcObject)
	e.classDesc("java.rmi.server.UID", suidUID, scSerializable,
		fieldSpec{'S', "count", ""}, fieldSpec{'J', "time", ""}, fieldSpec{'I', "unique", ""})
	e.u16(uint16(u.Count))
	e.u64(uint64(u.Time))
	e.u32(uint32(u.Unique))
}

func (e *encoder) objIDArray(ids []ObjID) {
	e.u8(tcArray)
	e.classDesc("[Ljava.rmi.server.ObjID;", suidObjIDArray, scSerializable)
	e.u32(uint32(len(ids)))
	for _, id := range ids {
		e.u8(tcObject)
		e.classDesc("java.rmi.server.ObjID", suidObjID, scSerializable,
			fieldSpec{'J', "objNum", ""}, fieldSpec{'L', "space", "Ljava/rmi/server/UID;"})
		e.u64(uint64(id.Num))
		e.uidObject(id.UID)
	}
}

func (e *encoder) lease(value int64, vm vmid) {
	e.u8(tcObject)
	e.classDesc("java.rmi.dgc.Lease", suidLease, scSerializable,
		fieldSpec{'J', "value", ""}, fieldSpec{'L', "vmid", "Ljava/rmi/dgc/VMID;"})
	e.u64(uint64(value))
	e.u8(tcObject)
	e.classDesc("java.rmi.dgc.VMID", suidVMID, scSerializable,
		fieldSpec{'[', "addr", "[B"}, fieldSpec{'L', "uid", "Ljava/rmi/server/UID;"})
	e.u8(tcArray)
	e.classDesc("[B", suidByteArray, scSerializable)
	e.u32(uint32(len(vm.addr)))
	e.b = append(e.b, vm.addr...)
	e.uidObject(vm.uid)
}

// modifiedUTF8 encodes s as Java's modified UTF-8.
func modifiedUTF8(s string) []byte {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] == 0 {
			ascii = false
			break
		}
	}
	if ascii {
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
