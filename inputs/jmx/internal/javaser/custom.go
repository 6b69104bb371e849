package javaser

import "errors"

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
