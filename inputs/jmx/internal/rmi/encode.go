package rmi

import "github.com/rosetta-adapter/rosetta/inputs/jmx/internal/javaser"

// SUIDs from hashes/suids.txt (checked against OpenJDK 17).
const (
	suidObjIDArray = 0x871300B8D02C647E
	suidObjID      = 0xA75EFA128DDCE55C
	suidUID        = 0x0F12700DBF364F12
	suidLease      = 0xB0B5E2660C4ADC34
	suidVMID       = 0xF8865BAFA4A56DB6
	suidByteArray  = 0xACF317F8060854E0
)

// writeUID writes a java.rmi.server.UID.
func writeUID(e *javaser.Encoder, u UID) {
	e.U8(javaser.TCObject)
	e.ClassDesc("java.rmi.server.UID", suidUID, javaser.SCSerializable,
		javaser.FieldSpec{Type: 'S', Name: "count"}, javaser.FieldSpec{Type: 'J', Name: "time"}, javaser.FieldSpec{Type: 'I', Name: "unique"})
	e.U16(uint16(u.Count))
	e.U64(uint64(u.Time))
	e.U32(uint32(u.Unique))
}

// writeObjIDArray writes a java.rmi.server.ObjID[].
func writeObjIDArray(e *javaser.Encoder, ids []ObjID) {
	e.U8(javaser.TCArray)
	e.ClassDesc("[Ljava.rmi.server.ObjID;", suidObjIDArray, javaser.SCSerializable)
	e.U32(uint32(len(ids)))
	for _, id := range ids {
		e.U8(javaser.TCObject)
		e.ClassDesc("java.rmi.server.ObjID", suidObjID, javaser.SCSerializable,
			javaser.FieldSpec{Type: 'J', Name: "objNum"}, javaser.FieldSpec{Type: 'L', Name: "space", ClassName: "Ljava/rmi/server/UID;"})
		e.U64(uint64(id.Num))
		writeUID(e, id.UID)
	}
}

// writeLease writes a java.rmi.dgc.Lease for vm.
func writeLease(e *javaser.Encoder, value int64, vm vmid) {
	e.U8(javaser.TCObject)
	e.ClassDesc("java.rmi.dgc.Lease", suidLease, javaser.SCSerializable,
		javaser.FieldSpec{Type: 'J', Name: "value"}, javaser.FieldSpec{Type: 'L', Name: "vmid", ClassName: "Ljava/rmi/dgc/VMID;"})
	e.U64(uint64(value))
	e.U8(javaser.TCObject)
	e.ClassDesc("java.rmi.dgc.VMID", suidVMID, javaser.SCSerializable,
		javaser.FieldSpec{Type: '[', Name: "addr", ClassName: "[B"}, javaser.FieldSpec{Type: 'L', Name: "uid", ClassName: "Ljava/rmi/server/UID;"})
	e.U8(javaser.TCArray)
	e.ClassDesc("[B", suidByteArray, javaser.SCSerializable)
	e.U32(uint32(len(vm.addr)))
	e.B = append(e.B, vm.addr...)
	writeUID(e, vm.uid)
}
