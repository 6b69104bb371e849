package exepages

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// mapping is one mapping of a file in a /proc/PID/smaps listing (in a
// /proc/PID/maps listing, the same without rss, anon and swap).
type mapping struct {
	lo, hi    uintptr
	perms     string // "r-xp"
	path      string
	rss, anon uint64 // bytes
	// swap is what of the mapping's private pages is swapped out: a
	// private copy as much as a resident one (Anonymous counts only
	// those resident).
	swap uint64
}

// Range is the address range [Lo, Hi) of one mapping.
type Range struct{ Lo, Hi uint64 }

// Mappings returns the address ranges at which process pid maps the file
// at path (as /proc/PID/exe names it), read from /proc/PID/maps: for a tool
// that inspects another process's executable pages (cmd/residency).
func Mappings(pid int, path string) ([]Range, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// A maps listing is an smaps listing without the fields.
	ms, err := parseSmaps(f, path)
	if err != nil {
		return nil, fmt.Errorf("/proc/%d/maps: %w", pid, err)
	}
	rs := make([]Range, len(ms))
	for i, m := range ms {
		rs[i] = Range{uint64(m.lo), uint64(m.hi)}
	}
	return rs, nil
}

// parseSmaps returns the mappings of path in an smaps listing, or in a maps
// listing (header lines only).
func parseSmaps(r io.Reader, path string) ([]mapping, error) {
	var (
		ms  []mapping
		cur *mapping // the mapping whose fields follow, if it is path's
	)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		key, rest, _ := strings.Cut(line, " ")
		if name, ok := strings.CutSuffix(key, ":"); ok {
			// A field of the mapping above: "Rss:    1234 kB".
			if cur == nil || (name != "Rss" && name != "Anonymous" && name != "Swap") {
				continue
			}
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("%q: %w", line, err)
			}
			switch name {
			case "Rss":
				cur.rss = kb << 10
			case "Anonymous":
				cur.anon = kb << 10
			default:
				cur.swap = kb << 10
			}
			continue
		}
		// A mapping: "lo-hi perms offset dev inode      path".
		cur = nil
		m, err := parseHeader(line)
		if err != nil {
			return nil, err
		}
		if m.path == path {
			ms = append(ms, m)
			cur = &ms[len(ms)-1]
		}
	}
	return ms, sc.Err()
}

func parseHeader(line string) (mapping, error) {
	var m mapping
	rest := line
	var fields [5]string
	for i := range fields {
		rest = strings.TrimLeft(rest, " ")
		fields[i], rest, _ = strings.Cut(rest, " ")
	}
	m.path = strings.TrimLeft(rest, " ")
	lo, hi, ok := strings.Cut(fields[0], "-")
	l, err1 := strconv.ParseUint(lo, 16, 64)
	h, err2 := strconv.ParseUint(hi, 16, 64)
	if !ok || err1 != nil || err2 != nil || h < l || len(fields[1]) != 4 {
		return m, fmt.Errorf("not a mapping: %q", line)
	}
	m.lo, m.hi, m.perms = uintptr(l), uintptr(h), fields[1]
	return m, nil
}
