package javaser

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
)

// The Decoder: stream constants, limits, stream state, handles and the low-level reads under the byte budget.

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
	// classGen counts the times an entry of classes was dropped (the
	// whole map, or one replaced); it starts at 1 with the map.
	classGen uint64
	scratch  []byte
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
	// lastBlock is the last short block read (see Block), and
	// lastBlockAny the same as an interface value, which ReadContent
	// returns: converting a slice to one is an allocation.
	lastBlock    Block
	lastBlockAny any
	// boxes is a chunk Boxed values are cut from. A Boxed points to no
	// value of a reply (its class descriptor is shared), so a chunk keeps
	// no reply alive; a chunk is never reused.
	boxes []Boxed
	// raws are the descriptors kept for rawMatch, by name as written.
	raws     map[string]*rawClass
	rawBytes int // estimated heap of raws
	// arena, when set, holds the small objects (SetArena).
	arena *Arena
	// objectNames is set while ObjectNames are read as their names
	// (SetObjectNames).
	objectNames bool
	// pendingName is what the handle of an ObjectName being read holds.
	pendingName *Object
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

// Reserve makes room for n more handles and n custom data items in the
// decoder's tables, for a stream known to hold about that many (a
// queryNames return as large as the last one): they then grow once, not
// by doubling from empty. n is capped at MaxHandles and MaxArrayLen.
func (d *Decoder) Reserve(n int) {
	n = min(n, maxReserve)
	if l := d.limits.MaxHandles; l > 0 {
		n = min(n, l)
	}
	d.handles = slices.Grow(d.handles, n)
	if l := d.limits.MaxArrayLen; l > 0 {
		n = min(n, l)
	}
	d.stack = slices.Grow(d.stack, n)
}

// maxReserve bounds what Reserve makes room for (16 bytes an entry).
const maxReserve = 1 << 18

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
