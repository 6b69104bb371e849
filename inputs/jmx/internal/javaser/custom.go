package javaser

import (
	"encoding/binary"
	"errors"
)

// CustomReader: primitives and objects read from an object's custom data as an ObjectInputStream would.

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

// integer reads a big-endian integer of T's size (1, 2, 4 or 8 bytes).
func integer[T uint8 | uint16 | int16 | int32 | int64](c *CustomReader) (T, error) {
	p, err := c.fill(binary.Size(T(0)))
	var v uint64
	for _, b := range p {
		v = v<<8 | uint64(b)
	}
	return T(v), err
}

// U8 reads a byte.
func (c *CustomReader) U8() (byte, error) { return integer[byte](c) }

// I16 reads a big-endian int16.
func (c *CustomReader) I16() (int16, error) { return integer[int16](c) }

// I32 reads a big-endian int32.
func (c *CustomReader) I32() (int32, error) { return integer[int32](c) }

// I64 reads a big-endian int64.
func (c *CustomReader) I64() (int64, error) { return integer[int64](c) }

// UTF reads a u16-length modified UTF-8 string.
func (c *CustomReader) UTF() (string, error) {
	n, err := integer[uint16](c)
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
