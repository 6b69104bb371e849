// Command residency shows which pages of a running process's executable
// are resident, by ELF section and by Go package, so that idle RSS can be
// explained page by page instead of guessed (issue #15, item 1).
//
// The file-backed part of a Go server's RSS is its binary's page cache
// mapped into the process. The kernel maps file pages in fault-around
// windows (fault_around_bytes, 64 KiB by default) around each page a
// fault touches, so one call into a package's init maps 64 KiB of text
// around it. The report counts resident pages per section (.text,
// .rodata, .gopclntab, data), how many 64 KiB windows are fully or partly
// resident, and which packages' symbols lie on resident pages.
//
// Release binaries are stripped, so the symbols come from a second build
// of the same source without -s -w: its loaded segments must be
// byte-identical to the running executable's (checked), which holds for
// `go build -trimpath` with and without `-ldflags '-s -w'`.
//
//	CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o /tmp/rosetta ./cmd/rosetta
//	CGO_ENABLED=0 go build -trimpath -o /tmp/rosetta.syms ./cmd/rosetta
//	/tmp/rosetta & sleep 10
//	go run ./cmd/residency -pid $! -symbols /tmp/rosetta.syms
//
// Reading page frame presence from /proc/PID/pagemap needs the same user
// as the process (or root).
package main

import (
	"bytes"
	"cmp"
	"debug/elf"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/rosetta-adapter/rosetta/internal/exepages"
)

const pageSize = 4096

func main() {
	pid := flag.Int("pid", 0, "process to inspect")
	symbols := flag.String("symbols", "", "unstripped build of the process's executable (default: the executable itself)")
	top := flag.Int("top", 40, "packages to list")
	window := flag.Int("window", 64<<10, "fault-around window in bytes, for the window count")
	flag.Parse()
	if *pid <= 0 {
		fmt.Fprintln(os.Stderr, "residency: -pid is required")
		os.Exit(2)
	}
	r, err := inspect(*pid, *symbols)
	if err != nil {
		fmt.Fprintln(os.Stderr, "residency:", err)
		os.Exit(1)
	}
	r.print(os.Stdout, *top, uint64(*window))
}

// report is what inspect found.
type report struct {
	exe      string
	sections []*section
	packages []*pkgUse
	resident map[uint64]bool // page addresses of the executable's mappings
	mapped   uint64          // bytes of the executable mapped
}

type section struct {
	name               string
	lo, hi             uint64
	mapped, residentKB uint64
}

// pkgUse is how much of one package's symbols (in one section) lies on
// resident pages.
type pkgUse struct {
	section, pkg      string
	size, residentB   uint64
	symbols, touching int
}

// inspect reads the executable's mappings and their pagemap entries and
// attributes resident pages to the sections and symbols of symFile.
func inspect(pid int, symFile string) (*report, error) {
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	if err != nil {
		return nil, err
	}
	if symFile == "" {
		symFile = fmt.Sprintf("/proc/%d/exe", pid)
	}
	if err := sameLoadedSegments(fmt.Sprintf("/proc/%d/exe", pid), symFile); err != nil {
		return nil, err
	}
	maps, err := exeMappings(pid, exe)
	if err != nil {
		return nil, err
	}
	resident, err := residentPages(pid, maps)
	if err != nil {
		return nil, err
	}
	f, err := elf.Open(symFile)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	r := &report{exe: exe, resident: resident}
	for _, m := range maps {
		r.mapped += m.Hi - m.Lo
	}
	for _, s := range f.Sections {
		if s.Flags&elf.SHF_ALLOC == 0 || s.Addr == 0 || s.Size == 0 {
			continue
		}
		sec := &section{name: s.Name, lo: s.Addr, hi: s.Addr + s.Size}
		for p := sec.lo &^ (pageSize - 1); p < sec.hi; p += pageSize {
			if !inMappings(maps, p) {
				continue // .bss beyond the file is an anonymous mapping
			}
			sec.mapped += pageSize
			if resident[p] {
				sec.residentKB += pageSize / 1024
			}
		}
		if sec.mapped > 0 {
			r.sections = append(r.sections, sec)
		}
	}
	syms, err := f.Symbols()
	if err != nil {
		return nil, fmt.Errorf("%s has no symbol table (build it without -ldflags -s): %w", symFile, err)
	}
	r.packages = attribute(syms, r.sections, resident)
	return r, nil
}

// sameLoadedSegments checks that the loaded segments of a and b hold the
// same bytes at the same addresses, so b's symbols describe a's pages.
func sameLoadedSegments(a, b string) error {
	fa, err := elf.Open(a)
	if err != nil {
		return err
	}
	defer func() { _ = fa.Close() }()
	fb, err := elf.Open(b)
	if err != nil {
		return err
	}
	defer func() { _ = fb.Close() }()
	load := func(f *elf.File) []*elf.Prog {
		var ps []*elf.Prog
		for _, p := range f.Progs {
			if p.Type == elf.PT_LOAD {
				ps = append(ps, p)
			}
		}
		return ps
	}
	pa, pb := load(fa), load(fb)
	if len(pa) != len(pb) {
		return fmt.Errorf("%s and %s have different segments: not builds of the same source", a, b)
	}
	for i := range pa {
		if pa[i].Vaddr != pb[i].Vaddr || pa[i].Filesz != pb[i].Filesz {
			return fmt.Errorf("segment %d differs between %s and %s: not builds of the same source", i, a, b)
		}
		// Skip the first page: it holds the ELF and program headers,
		// which differ when the section table differs.
		var skip int64
		if i == 0 {
			skip = pageSize
		}
		n := int64(pa[i].Filesz) - skip
		if eq, err := sameBytes(io.NewSectionReader(pa[i], skip, n), io.NewSectionReader(pb[i], skip, n)); err != nil {
			return err
		} else if !eq {
			return fmt.Errorf("segment %d at %#x differs between %s and %s: not builds of the same source", i, pa[i].Vaddr, a, b)
		}
	}
	return nil
}

func sameBytes(a, b io.Reader) (bool, error) {
	ba, bb := make([]byte, 1<<16), make([]byte, 1<<16)
	for {
		na, ea := io.ReadFull(a, ba)
		nb, eb := io.ReadFull(b, bb)
		if !bytes.Equal(ba[:na], bb[:nb]) {
			return false, nil
		}
		if ea != nil || eb != nil {
			if errors.Is(ea, io.EOF) || errors.Is(ea, io.ErrUnexpectedEOF) {
				return errors.Is(eb, io.EOF) || errors.Is(eb, io.ErrUnexpectedEOF), nil
			}
			return false, cmp.Or(ea, eb)
		}
	}
}

// exeMappings returns the mappings of exe in /proc/PID/maps.
func exeMappings(pid int, exe string) ([]exepages.Range, error) {
	ms, err := exepages.Mappings(pid, exe)
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf("/proc/%d/maps: no mapping of %s", pid, exe)
	}
	return ms, nil
}

func inMappings(ms []exepages.Range, addr uint64) bool {
	for _, m := range ms {
		if addr >= m.Lo && addr < m.Hi {
			return true
		}
	}
	return false
}

// residentPages reads /proc/PID/pagemap (bit 63: page present) for the
// mappings.
func residentPages(pid int, ms []exepages.Range) (map[uint64]bool, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/pagemap", pid))
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	resident := map[uint64]bool{}
	for _, m := range ms {
		n := (m.Hi - m.Lo) / pageSize
		buf := make([]byte, n*8)
		if _, err := f.ReadAt(buf, int64(m.Lo/pageSize*8)); err != nil {
			return nil, fmt.Errorf("/proc/%d/pagemap: %w", pid, err)
		}
		for i := range n {
			if binary.LittleEndian.Uint64(buf[i*8:])&(1<<63) != 0 {
				resident[m.Lo+i*pageSize] = true
			}
		}
	}
	return resident, nil
}

// attribute adds up, per section and package, the bytes of symbols and
// the part of them on resident pages. A symbol without a size extends to
// the next symbol.
func attribute(syms []elf.Symbol, secs []*section, resident map[uint64]bool) []*pkgUse {
	syms = slices.DeleteFunc(slices.Clone(syms), func(s elf.Symbol) bool { return s.Value == 0 || s.Section == elf.SHN_UNDEF })
	slices.SortFunc(syms, func(a, b elf.Symbol) int { return cmp.Compare(a.Value, b.Value) })
	uses := map[[2]string]*pkgUse{}
	for i, s := range syms {
		sec := sectionOf(secs, s.Value)
		if sec == nil {
			continue
		}
		size := s.Size
		if size == 0 && i+1 < len(syms) {
			size = syms[i+1].Value - s.Value
		}
		end := min(s.Value+size, sec.hi)
		key := [2]string{sec.name, packageOf(s.Name)}
		u := uses[key]
		if u == nil {
			u = &pkgUse{section: sec.name, pkg: key[1]}
			uses[key] = u
		}
		u.symbols++
		touching := false
		for p := s.Value &^ (pageSize - 1); p < end; p += pageSize {
			part := min(p+pageSize, end) - max(p, s.Value)
			u.size += part
			if resident[p] {
				u.residentB += part
				touching = true
			}
		}
		if touching {
			u.touching++
		}
	}
	out := make([]*pkgUse, 0, len(uses))
	for _, u := range uses {
		out = append(out, u)
	}
	slices.SortFunc(out, func(a, b *pkgUse) int {
		return cmp.Or(cmp.Compare(b.residentB, a.residentB), strings.Compare(a.section, b.section), strings.Compare(a.pkg, b.pkg))
	})
	return out
}

func sectionOf(secs []*section, addr uint64) *section {
	for _, s := range secs {
		if addr >= s.lo && addr < s.hi {
			return s
		}
	}
	return nil
}

// packageOf is the Go package a symbol belongs to: "net/http" for
// "net/http.(*Server).Serve", the package of the type for type
// descriptors and itabs, and the symbol's kind for the linker's own
// ("go:string", "runtime.pclntab").
func packageOf(name string) string {
	for _, kind := range []string{"go:string", "go:func", "go:cuinfo", "type:.namedata", "type:.importpath", "runtime.pclntab", "runtime.findfunctab", "runtime.gcbits"} {
		if strings.HasPrefix(name, kind) {
			return kind
		}
	}
	prefix := ""
	for _, p := range []string{"go:itab.", "type:"} {
		if rest, ok := strings.CutPrefix(name, p); ok {
			prefix, name = strings.TrimRight(p, ".:"), strings.TrimLeft(rest, "*[]")
			name, _, _ = strings.Cut(name, ",") // an itab's type, then its interface
			break
		}
	}
	// The package path runs to the first '.' after the last '/' that
	// comes before any bracket or parenthesis (generic instantiations
	// and method receivers hold other paths).
	head := name
	if i := strings.IndexAny(head, "[("); i >= 0 {
		head = head[:i]
	}
	slash := strings.LastIndex(head, "/")
	pkg := name
	if dot := strings.Index(name[slash+1:], "."); dot >= 0 {
		pkg = name[:slash+1+dot]
	}
	if prefix != "" {
		return prefix + " " + pkg
	}
	return pkg
}

// windows counts the window-aligned ranges with all, or only some, of
// their pages resident.
func (r *report) windows(size uint64) (full, partial int) {
	perWindow := map[uint64]uint64{}
	for p := range r.resident {
		perWindow[p&^(size-1)]++
	}
	for _, n := range perWindow {
		if n == size/pageSize {
			full++
		} else {
			partial++
		}
	}
	return full, partial
}

func (r *report) print(w io.Writer, top int, window uint64) {
	total := uint64(len(r.resident)) * pageSize
	fmt.Fprintf(w, "%s: %d KiB of %d KiB mapped from the executable resident\n\n", r.exe, total/1024, r.mapped/1024)
	fmt.Fprintln(w, "| section | mapped KiB | resident KiB |")
	fmt.Fprintln(w, "|---|---|---|")
	for _, s := range r.sections {
		fmt.Fprintf(w, "| %s | %d | %d |\n", s.name, s.mapped/1024, s.residentKB)
	}
	full, partial := r.windows(window)
	fmt.Fprintf(w, "\n%d KiB windows with resident pages: %d all resident, %d partly\n\n", window/1024, full, partial)
	fmt.Fprintln(w, "| section | package | resident KiB | size KiB | symbols on resident pages |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	for i, u := range r.packages {
		if i == top || u.residentB == 0 {
			break
		}
		fmt.Fprintf(w, "| %s | %s | %d | %d | %d of %d |\n", u.section, u.pkg, u.residentB/1024, u.size/1024, u.touching, u.symbols)
	}
}
