package javaser

import (
	"fmt"
	"unicode/utf16"
)

// Strings: TC_STRING and TC_LONGSTRING, modified UTF-8 and the interned names.

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
