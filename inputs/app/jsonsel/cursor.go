package jsonsel

// cursor is a read position in a JSON text, with the steps over its white
// space and brackets that the scanner and Decode share.
type cursor struct {
	b []byte
	i int
}

// ws skips white space.
func (c *cursor) ws() {
	for c.i < len(c.b) {
		switch c.b[c.i] {
		case ' ', '\t', '\n', '\r':
			c.i++
		default:
			return
		}
	}
}

// open reads the opening bracket of an object or array and the white
// space after it, and reports whether close follows: the container is
// empty (and read).
func (c *cursor) open(close byte) bool {
	c.i++
	c.ws()
	if c.i < len(c.b) && c.b[c.i] == close {
		c.i++
		return true
	}
	return false
}
