package javaser

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"unicode/utf16"
)

// Java object serialization stream constants (java.io.ObjectStreamConstants).
const (
	StreamMagic   = 0xACED
	StreamVersion = 5

	TCNull           = 0x70
	TCReference      = 0x71
	TCClassDesc      = 0x72
	TCObject         = 0x73
	TCString         = 0x74
	TCArray          = 0x75
	TCClass          = 0x76
	TCBlockData      = 0x77
	TCEndBlockData   = 0x78
	TCReset          = 0x79
	TCBlockDataLong  = 0x7A
	TCException      = 0x7B
	TCLongString     = 0x7C
	TCProxyClassDesc = 0x7D
	TCEnum           = 0x7E

	BaseWireHandle = 0x7E0000

	SCWriteMethod    = 0x01
	SCSerializable   = 0x02
	SCExternalizable = 0x04
	SCBlockData      = 0x08
	SCEnum           = 0x10
)

// Limits bound what one decoded reply may cost. The data comes from the
// network and is untrusted: the limits turn hostile or broken input into an
// error instead of unbounded memory or recursion.
type Limits struct {
	// MaxBytes is the most bytes one stream (one RMI reply) may hold.
	MaxBytes int64
	// MaxDepth is the deepest nesting of objects, arrays and class
	// descriptors.
	MaxDepth int
	// MaxStringLen is the longest string, in bytes of modified UTF-8.
	MaxStringLen int
	// MaxArrayLen is the most elements of one array.
	MaxArrayLen int
	// MaxHandles is the most objects, strings and classes one stream may
	// define.
	MaxHandles int
	// MaxSteps bounds the work of one stream: every value read, every
	// class of an object's hierarchy walked and every custom data item
	// costs a step. Bytes alone do not bound the work: a 6-byte
	// back-reference to a class 64 superclasses deep costs 64 class walks,
	// and a 1-byte null in an object array costs a 16-byte slot. A step
	// holds at most a few dozen bytes of heap.
	MaxSteps int64
}

// DefaultLimits suit the replies of a large JVM (a Kafka broker's MBeanInfo
// or a big TabularData) with room to spare.
var DefaultLimits = Limits{
	MaxBytes:     64 << 20,
	MaxDepth:     64,
	MaxStringLen: 4 << 20,
	MaxArrayLen:  1 << 20,
	MaxHandles:   1 << 20,
	MaxSteps:     1 << 21,
}

// maxFields bounds the serializable fields of one class (real classes
// have a few dozen); it keeps field lookups cheap.
const maxFields = 1024

// ErrLimit is wrapped by every error caused by a decoding limit.
var ErrLimit = errors.New("serialization limit exceeded")

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

// Decoder reads Java serialization streams. One Decoder decodes one stream
// (its handle table is per stream); call Reset before the next stream.
type Decoder struct {
	r       *bufio.Reader
	limits  Limits
	n       int64 // bytes read in this stream
	steps   int64 // steps taken in this stream (Limits.MaxSteps)
	handles []any
	depth   int
	// Every RMI reply repeats its class descriptors. Across the streams of
	// one Decoder, identical descriptors (and their names) are shared
	// instead of allocated again.
	names      map[string]any // a name's string, boxed once
	classes    map[classKey]*ClassDesc
	namesBytes int // estimated heap of names
	classBytes int // estimated heap of classes
	scratch    []byte
	// internStrings is set while field class names and name fields
	// (readName) are read.
	internStrings bool
	// cdScratch holds one reusable class descriptor per nesting level:
	// a descriptor is parsed into it and copied to the heap only when no
	// identical shared one exists. cdDepth is the level in use.
	cdScratch []*ClassDesc
	cdDepth   int
	// stack gathers custom data items (readCustom).
	stack []any
	// lastBlock is the last short block read (see Block).
	lastBlock Block
	// boxes is a chunk Boxed values are cut from. A Boxed points to no
	// value of a reply (its class descriptor is shared), so a chunk keeps
	// no reply alive; a chunk is never reused.
	boxes []Boxed
	// raws are the descriptors kept for rawMatch, by name as written.
	raws     map[string]*rawClass
	rawBytes int // estimated heap of raws
}

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

// readUTFIntern reads a u16-length modified UTF-8 string that gets no
// handle (the names of classes, proxy interfaces and fields), interned:
// every reply repeats them.
func (d *Decoder) readUTFIntern() (string, error) {
	n, err := d.u16()
	if err != nil {
		return "", err
	}
	b, err := d.short(int(n))
	if err != nil {
		return "", err
	}
	return d.intern(b)
}

// short reads n bytes that are only looked at before the next read: from
// the reader's buffer when they fit, else into the scratch buffer.
func (d *Decoder) short(n int) ([]byte, error) {
	if n <= d.r.Size() {
		return d.take(n)
	}
	if cap(d.scratch) < n {
		d.scratch = make([]byte, n)
	}
	b := d.scratch[:n]
	return b, d.read(b)
}

// shareClass returns a cached descriptor equal to cd, or caches cd.
func (d *Decoder) shareClass(cd *ClassDesc) *ClassDesc {
	for _, a := range cd.Annotation {
		if a != nil {
			return cloneClass(cd)
		}
	}
	k := classKey{cd.Name, cd.SUID}
	if c, ok := d.classes[k]; ok && c.Flags == cd.Flags && c.Super == cd.Super && slices.Equal(c.Fields, cd.Fields) {
		return c
	}
	c := cloneClass(cd)
	cost := classCost(c)
	if cost > maxClassesBytes/16 {
		return c // too big to keep
	}
	if d.classes == nil || d.classBytes+cost > maxClassesBytes {
		d.classes = make(map[classKey]*ClassDesc)
		d.classBytes = 0
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
	c.boxed, c.boxedChain = boxedType(c)
	return c
}

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

// NewDecoder returns a decoder reading r.
func NewDecoder(r *bufio.Reader, limits Limits) *Decoder {
	return &Decoder{r: r, limits: limits}
}

// Reset starts a new stream: it clears handles and the byte count.
func (d *Decoder) Reset() {
	clear(d.handles)
	d.handles = d.handles[:0]
	d.n = 0
	d.steps = 0
	d.depth = 0
}

// maxKeptHandles bounds the handle table Release keeps for the next
// stream.
const maxKeptHandles = 4096

// Release drops the handle table's references once a stream's value has
// been read, so that a decoder kept for the next stream (an idle
// connection's) does not keep the whole decoded graph of the last one
// alive, nor a large table.
func (d *Decoder) Release() {
	clear(d.handles)
	d.handles = d.handles[:0]
	if cap(d.handles) > maxKeptHandles {
		d.handles = nil
	}
}

// step charges n steps of work to the stream (see Limits.MaxSteps).
func (d *Decoder) step(n int) error {
	d.steps += int64(n)
	if d.limits.MaxSteps > 0 && d.steps > d.limits.MaxSteps {
		return fmt.Errorf("%w: reply needs more than %d decoding steps", ErrLimit, d.limits.MaxSteps)
	}
	return nil
}

func (d *Decoder) read(p []byte) error {
	d.n += int64(len(p))
	if d.limits.MaxBytes > 0 && d.n > d.limits.MaxBytes {
		return fmt.Errorf("%w: reply longer than %d bytes", ErrLimit, d.limits.MaxBytes)
	}
	_, err := io.ReadFull(d.r, p)
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return err
}

func (d *Decoder) u8() (byte, error) {
	d.n++
	if d.limits.MaxBytes > 0 && d.n > d.limits.MaxBytes {
		return 0, fmt.Errorf("%w: reply longer than %d bytes", ErrLimit, d.limits.MaxBytes)
	}
	b, err := d.r.ReadByte()
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return b, err
}

func (d *Decoder) peek() (byte, error) {
	b, err := d.r.Peek(1)
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return 0, err
	}
	return b[0], nil
}

// take consumes the next n bytes and returns them in the reader's buffer
// (valid until the next read), without the copy and the calls of
// io.ReadFull: most of a reply is read a few bytes at a time. n is at
// most the reader's buffer size.
func (d *Decoder) take(n int) ([]byte, error) {
	d.n += int64(n)
	if d.limits.MaxBytes > 0 && d.n > d.limits.MaxBytes {
		return nil, fmt.Errorf("%w: reply longer than %d bytes", ErrLimit, d.limits.MaxBytes)
	}
	p, err := d.r.Peek(n)
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	_, _ = d.r.Discard(n)
	return p, nil
}

func (d *Decoder) u16() (uint16, error) {
	p, err := d.take(2)
	if err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint16(p), nil
}

func (d *Decoder) u32() (uint32, error) {
	p, err := d.take(4)
	if err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint32(p), nil
}

func (d *Decoder) u64() (uint64, error) {
	p, err := d.take(8)
	if err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint64(p), nil
}

// bytes reads n bytes into a fresh slice, in chunks so that a lying length
// costs no more memory than the data actually sent.
func (d *Decoder) bytes(n int) ([]byte, error) {
	const chunk = 64 << 10
	if n <= chunk {
		p := make([]byte, n)
		return p, d.read(p)
	}
	p := make([]byte, 0, chunk)
	for len(p) < n {
		m := min(chunk, n-len(p))
		p = append(p, make([]byte, m)...)
		if err := d.read(p[len(p)-m:]); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// ReadHeader reads the stream magic and version.
func (d *Decoder) ReadHeader() error {
	m, err := d.u16()
	if err != nil {
		return fmt.Errorf("reading stream header: %w", err)
	}
	v, err := d.u16()
	if err != nil {
		return fmt.Errorf("reading stream header: %w", err)
	}
	if m != StreamMagic || v != StreamVersion {
		return fmt.Errorf("bad stream header %04x %04x", m, v)
	}
	return nil
}

func (d *Decoder) newHandle(v any) (int, error) {
	if d.limits.MaxHandles > 0 && len(d.handles) >= d.limits.MaxHandles {
		return 0, fmt.Errorf("%w: more than %d handles", ErrLimit, d.limits.MaxHandles)
	}
	d.handles = append(d.handles, v)
	return len(d.handles) - 1, nil
}

func (d *Decoder) enter() error {
	d.depth++
	if d.limits.MaxDepth > 0 && d.depth > d.limits.MaxDepth {
		return fmt.Errorf("%w: nesting deeper than %d", ErrLimit, d.limits.MaxDepth)
	}
	return nil
}

func (d *Decoder) leave() { d.depth-- }

// ReadContent reads one content element: an object (nil for TC_NULL) or a
// Block of block data.
func (d *Decoder) ReadContent() (any, error) {
	tc, err := d.peek()
	if err != nil {
		return nil, err
	}
	switch tc {
	case TCBlockData, TCBlockDataLong:
		return d.ReadBlock()
	}
	return d.ReadObject()
}

// ReadBlock reads one block data record (TC_BLOCKDATA or
// TC_BLOCKDATALONG), as a JRMP call or return header is sent.
func (d *Decoder) ReadBlock() (Block, error) {
	tc, err := d.u8()
	if err != nil {
		return nil, err
	}
	var n int
	switch tc {
	case TCBlockData:
		b, err := d.u8()
		if err != nil {
			return nil, err
		}
		n = int(b)
	case TCBlockDataLong:
		v, err := d.u32()
		if err != nil {
			return nil, err
		}
		if v > math.MaxInt32 {
			return nil, fmt.Errorf("negative block data length %d", int32(v))
		}
		n = int(v)
	default:
		return nil, fmt.Errorf("expected block data, got type code 0x%02x", tc)
	}
	if n <= maxSharedBlock {
		// An ArrayList writes its capacity as a 4-byte block: the same
		// bytes in every reply of a kind.
		p, err := d.take(n)
		if err != nil {
			return nil, err
		}
		if d.lastBlock == nil || !bytes.Equal(d.lastBlock, p) {
			d.lastBlock = Block(bytes.Clone(p))
		}
		return d.lastBlock, nil
	}
	return d.bytes(n)
}

// maxSharedBlock is the longest block ReadBlock shares (see Block).
const maxSharedBlock = 8

// ReadBlockView is ReadBlock for a short block that is looked at only
// before the next read (a JRMP return header): a TC_BLOCKDATA record is
// returned in the reader's buffer instead of a copy.
func (d *Decoder) ReadBlockView() (Block, error) {
	tc, err := d.peek()
	if err != nil {
		return nil, err
	}
	if tc != TCBlockData {
		return d.ReadBlock()
	}
	if _, err := d.u8(); err != nil {
		return nil, err
	}
	n, err := d.u8()
	if err != nil {
		return nil, err
	}
	return d.short(int(n))
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

// resetHandles clears the handle table only (TC_RESET).
func (d *Decoder) resetHandles() {
	clear(d.handles)
	d.handles = d.handles[:0]
}

func (d *Decoder) readReference() (any, error) {
	h, err := d.u32()
	if err != nil {
		return nil, err
	}
	i := int64(h) - BaseWireHandle
	if i < 0 || i >= int64(len(d.handles)) {
		return nil, fmt.Errorf("invalid handle 0x%x", h)
	}
	if cd, ok := d.handles[i].(*ClassDesc); ok && slices.Contains(d.cdScratch[:d.cdDepth], cd) {
		return nil, fmt.Errorf("handle 0x%x refers to a class descriptor still being read", h)
	}
	return d.handles[i], nil
}

// readString reads a string of n bytes and gives it a handle. It returns
// the string boxed once, as the handle holds it: a string converted to
// an interface is an allocation.
func (d *Decoder) readString(n int) (any, error) {
	if d.limits.MaxStringLen > 0 && n > d.limits.MaxStringLen {
		return nil, fmt.Errorf("%w: string of %d bytes", ErrLimit, n)
	}
	if d.internStrings && n <= maxInternLen {
		b, err := d.short(n)
		if err != nil {
			return nil, err
		}
		v, err := d.internBoxed(b)
		if err != nil {
			return nil, err
		}
		if _, err := d.newHandle(v); err != nil {
			return nil, err
		}
		return v, nil
	}
	var b []byte
	var err error
	if n <= d.r.Size() {
		// decodeModifiedUTF8 copies: the reader's buffer may be used.
		b, err = d.take(n)
	} else {
		b, err = d.bytes(n)
	}
	if err != nil {
		return nil, err
	}
	s, err := decodeModifiedUTF8(b)
	if err != nil {
		return nil, err
	}
	v := any(s)
	if _, err := d.newHandle(v); err != nil {
		return nil, err
	}
	return v, nil
}

// decodeModifiedUTF8 decodes Java's modified UTF-8 (NUL as C0 80,
// supplementary characters as surrogate pairs of 3-byte sequences).
func decodeModifiedUTF8(b []byte) (string, error) {
	ascii := true
	for _, c := range b {
		if c >= 0x80 || c == 0 {
			ascii = false
			break
		}
	}
	if ascii {
		return string(b), nil
	}
	u := make([]uint16, 0, len(b))
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c < 0x80:
			u = append(u, uint16(c))
			i++
		case c&0xE0 == 0xC0:
			if i+1 >= len(b) || b[i+1]&0xC0 != 0x80 {
				return "", fmt.Errorf("malformed modified UTF-8 at byte %d", i)
			}
			u = append(u, uint16(c&0x1F)<<6|uint16(b[i+1]&0x3F))
			i += 2
		case c&0xF0 == 0xE0:
			if i+2 >= len(b) || b[i+1]&0xC0 != 0x80 || b[i+2]&0xC0 != 0x80 {
				return "", fmt.Errorf("malformed modified UTF-8 at byte %d", i)
			}
			u = append(u, uint16(c&0x0F)<<12|uint16(b[i+1]&0x3F)<<6|uint16(b[i+2]&0x3F))
			i += 3
		default:
			return "", fmt.Errorf("malformed modified UTF-8 at byte %d", i)
		}
	}
	return string(utf16.Decode(u)), nil
}

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
		e.cd = shared
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

// readClassRest reads a descriptor's annotation and superclass into cd.
func (d *Decoder) readClassRest(cd *ClassDesc) error {
	ann, err := d.readCustom()
	if err != nil {
		return fmt.Errorf("annotation of class %s: %w", cd.Name, err)
	}
	cd.Annotation = ann
	if cd.Super, err = d.readClassDesc(); err != nil {
		return fmt.Errorf("superclass of %s: %w", cd.Name, err)
	}
	return nil
}

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
	// cd is the shared descriptor the bytes made last time.
	cd *ClassDesc
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
		d.classes[classKey{e.name, e.suid}] == e.cd {
		shared = e.cd // what shareClass would return
	} else {
		cd.Flags = e.cd.Flags
		cd.Fields = append(cd.Fields[:0], e.cd.Fields...)
		shared = d.shareClass(cd)
		e.cd = shared
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

// readCustom reads contents up to and including TC_ENDBLOCKDATA. The
// items are gathered on the decoder's stack (nested custom data stacks
// above them) and copied out once, at their final length.
func (d *Decoder) readCustom() ([]any, error) {
	start := len(d.stack)
	out, err := d.readCustomItems(start)
	clear(d.stack[start:]) // hold no decoded value
	d.stack = d.stack[:start]
	if start == 0 && cap(d.stack) > maxStack {
		d.stack = nil // a huge custom list is not kept for the next reply
	}
	return out, err
}

// maxStack is the largest custom data stack a decoder keeps between
// replies (16 bytes an item).
const maxStack = 4096

// nilOnly is the custom data made of one null, shared: what RMI's
// MarshalOutputStream writes as every class's annotation (no codebase).
// It is never written to.
var nilOnly = []any{nil}

func (d *Decoder) readCustomItems(start int) ([]any, error) {
	for {
		tc, err := d.peek()
		if err != nil {
			return nil, err
		}
		if tc == TCEndBlockData {
			_, _ = d.u8()
			items := d.stack[start:]
			switch {
			case len(items) == 0:
				return nil, nil
			case len(items) == 1 && items[0] == nil:
				return nilOnly[:1:1], nil
			}
			return slices.Clone(items), nil
		}
		if err := d.step(1); err != nil {
			return nil, err
		}
		v, err := d.ReadContent()
		if err != nil {
			return nil, err
		}
		d.stack = append(d.stack, v)
		if d.limits.MaxArrayLen > 0 && len(d.stack)-start > d.limits.MaxArrayLen {
			return nil, fmt.Errorf("%w: more than %d custom data items", ErrLimit, d.limits.MaxArrayLen)
		}
	}
}

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
		x := &object1{o: Object{Class: cd}}
		x.o.Data, values = x.data[:0], x.vals[:fields]
		o = &x.o
	case withData == 1 && fields == 2:
		x := &object2{o: Object{Class: cd}}
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
	if len(d.boxes) == 0 {
		d.boxes = make([]Boxed, 64)
	}
	b := &d.boxes[0]
	d.boxes = d.boxes[1:]
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

// readName reads the value of a String field called name, interned: the
// names of attributes (javax.management.Attribute, MBeanAttributeInfo)
// repeat in every reply of a connection.
func (d *Decoder) readName() (any, error) {
	if tc, err := d.peek(); err != nil || tc != TCString {
		return d.ReadObject()
	}
	return d.readInterned()
}

// readInterned reads an object with its strings interned (internStrings).
func (d *Decoder) readInterned() (any, error) {
	d.internStrings = true
	v, err := d.ReadObject()
	d.internStrings = false
	return v, err
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

// CustomReader reads primitives and objects from custom data the way an
// ObjectInputStream would: primitives from consecutive Blocks, objects
// from the non-block items.
type CustomReader struct {
	items []any
	cur   []byte
}

// NewCustomReader reads items, an object's custom data (Object.Custom).
func NewCustomReader(items []any) *CustomReader { return &CustomReader{items: items} }

var errShortCustom = errors.New("custom data too short")

func (c *CustomReader) fill(n int) ([]byte, error) {
	for len(c.cur) < n {
		if len(c.items) == 0 {
			return nil, errShortCustom
		}
		b, ok := c.items[0].(Block)
		if !ok {
			return nil, errShortCustom
		}
		c.items = c.items[1:]
		c.cur = append(c.cur[:len(c.cur):len(c.cur)], b...)
	}
	p := c.cur[:n]
	c.cur = c.cur[n:]
	return p, nil
}

// uint reads an n-byte big-endian unsigned integer, n at most 8.
func (c *CustomReader) uint(n int) (uint64, error) {
	p, err := c.fill(n)
	if err != nil {
		return 0, err
	}
	var v uint64
	for _, b := range p {
		v = v<<8 | uint64(b)
	}
	return v, nil
}

// U8 reads a byte.
func (c *CustomReader) U8() (byte, error) {
	v, err := c.uint(1)
	return byte(v), err
}

// I16 reads a big-endian int16.
func (c *CustomReader) I16() (int16, error) {
	v, err := c.uint(2)
	return int16(v), err
}

// I32 reads a big-endian int32.
func (c *CustomReader) I32() (int32, error) {
	v, err := c.uint(4)
	return int32(v), err
}

// I64 reads a big-endian int64.
func (c *CustomReader) I64() (int64, error) {
	v, err := c.uint(8)
	return int64(v), err
}

// UTF reads a u16-length modified UTF-8 string.
func (c *CustomReader) UTF() (string, error) {
	n, err := c.uint(2)
	if err != nil {
		return "", err
	}
	s, err := c.fill(int(n))
	if err != nil {
		return "", err
	}
	return decodeModifiedUTF8(s)
}

// Object returns the next non-block item. Unread block bytes before it are
// skipped, as ObjectInputStream does.
func (c *CustomReader) Object() (any, error) {
	c.cur = nil
	for len(c.items) > 0 {
		v := c.items[0]
		c.items = c.items[1:]
		if _, ok := v.(Block); ok {
			continue
		}
		return v, nil
	}
	return nil, errShortCustom
}
