package javaser

import (
	"bytes"
	"fmt"
	"math"
	"slices"
)

// Block data and the custom data a writeObject wrote, as the stream carries them.

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
			d.lastBlockAny = d.lastBlock
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
			if d.arena != nil {
				if l := d.arena.list(items); l != nil {
					return l, nil
				}
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
