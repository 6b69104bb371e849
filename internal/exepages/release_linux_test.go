package exepages

import (
	"encoding/binary"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Package-level variables written before a release: an initialised one
// lives in the executable's writable file-backed mapping (.noptrdata), a
// zero one in its anonymous .bss. A release that wrongly touched them
// would bring back the file's value or zeroes.
var (
	written = [8]int64{1, 2, 3, 4, 5, 6, 7, 8}
	zeroed  [4096]int64
)

// sums adds up the resident bytes of the executable's read-only mappings
// without private copies (what Release releases), and the anonymous bytes
// of its writable ones.
func sums(t *testing.T) (readOnly, writableAnon uint64, ms []mapping) {
	t.Helper()
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		t.Fatal(err)
	}
	ms, err = exeMappings(exe)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 {
		t.Fatalf("no mapping of %s in /proc/self/smaps", exe)
	}
	for _, m := range ms {
		switch m.verdict() {
		case keep:
			writableAnon += m.anon
		case release:
			readOnly += m.rss
		}
	}
	return readOnly, writableAnon, ms
}

//go:noinline
func depth(n int) int {
	var pad [128]byte
	pad[n%len(pad)] = byte(n)
	if n == 0 {
		return int(pad[0])
	}
	return depth(n-1) + int(pad[n%len(pad)]&1)
}

func TestReleaseDropsReadOnlyPagesOnly(t *testing.T) {
	written[3] = 42
	zeroed[1000] = -7
	roBefore, anonBefore, ms := sums(t)
	t.Logf("before: read-only resident %d KiB, writable anonymous %d KiB; mappings:", roBefore>>10, anonBefore>>10)
	for _, m := range ms {
		t.Logf("  %x-%x %s rss %d KiB anon %d KiB", m.lo, m.hi, m.perms, m.rss>>10, m.anon>>10)
	}

	st, err := Release()
	if err != nil {
		t.Fatal(err)
	}
	after, err := st.After()
	if err != nil {
		t.Fatal(err)
	}
	roAfter, anonAfter, _ := sums(t)
	t.Logf("release: %+v, %d KiB resident after; after: read-only resident %d KiB, writable anonymous %d KiB", st, after>>10, roAfter>>10, anonAfter>>10)

	if st.Released < 1 {
		t.Fatalf("released no mapping: %+v", st)
	}
	if after >= st.Before {
		t.Errorf("resident bytes of the released mappings did not drop: %d -> %d", st.Before, after)
	}
	// What is resident again is what ran since (reading smaps, logging,
	// the runtime), each page with its 64 KiB fault-around window.
	if roAfter >= roBefore {
		t.Errorf("read-only mappings still have %d of %d KiB resident", roAfter>>10, roBefore>>10)
	}
	// Writable mappings keep every private page and every value.
	if anonAfter < anonBefore {
		t.Errorf("writable mappings lost private pages: %d -> %d KiB", anonBefore>>10, anonAfter>>10)
	}
	if written != [8]int64{1, 2, 3, 42, 5, 6, 7, 8} || zeroed[1000] != -7 {
		t.Errorf("package variables changed: written %v, zeroed[1000] %d", written, zeroed[1000])
	}

	// Code and read-only data released keep working: they fault back in.
	if !regexp.MustCompile(`^a+(b|c)$`).MatchString("aaac") {
		t.Error("regexp after release")
	}
	if s := strconv.FormatFloat(1.0/3, 'g', -1, 64); s != "0.3333333333333333" {
		t.Errorf("strconv after release: %s", s)
	}
	done := make(chan int)
	go func() { done <- depth(2000) }() // grows a new goroutine's stack: reads function metadata
	if got := <-done; got != 1000 {
		t.Errorf("depth: %d", got)
	}
	if !strings.Contains(t.Name(), "Release") {
		t.Error("t.Name after release")
	}
}

// TestReleaseTwice: a second release finds only what ran in between.
func TestReleaseTwice(t *testing.T) {
	if _, err := Release(); err != nil {
		t.Fatal(err)
	}
	st, err := Release()
	if err != nil {
		t.Fatal(err)
	}
	if st.Released < 1 {
		t.Fatalf("second release released nothing: %+v", st)
	}
	t.Logf("%+v", st)
}

func TestParseSmaps(t *testing.T) {
	const smaps = `00400000-00c00000 r-xp 00000000 fd:01 1234                               /opt/my app/rosetta (deleted)
Size:               8192 kB
Rss:                5120 kB
Anonymous:             0 kB
00c00000-01400000 r--p 00800000 fd:01 1234                               /opt/my app/rosetta (deleted)
Rss:                3000 kB
Anonymous:             8 kB
01400000-01420000 rw-p 01000000 fd:01 1234                               /opt/my app/rosetta (deleted)
Rss:                 100 kB
Anonymous:            60 kB
01420000-01440000 r--p 01020000 fd:01 1234                               /opt/my app/rosetta (deleted)
Rss:                  64 kB
Anonymous:             0 kB
Swap:                  8 kB
SwapPss:               8 kB
01440000-01480000 rw-p 00000000 00:00 0 
Rss:                 384 kB
Anonymous:           384 kB
7ffd0000-7ffd1000 r-xp 00000000 00:00 0                                  [vdso]
Rss:                   4 kB
Anonymous:             0 kB
`
	ms, err := parseSmaps(strings.NewReader(smaps), "/opt/my app/rosetta (deleted)")
	if err != nil {
		t.Fatal(err)
	}
	want := []mapping{
		{0x400000, 0xc00000, "r-xp", "/opt/my app/rosetta (deleted)", 5120 << 10, 0, 0},
		{0xc00000, 0x1400000, "r--p", "/opt/my app/rosetta (deleted)", 3000 << 10, 8 << 10, 0},
		{0x1400000, 0x1420000, "rw-p", "/opt/my app/rosetta (deleted)", 100 << 10, 60 << 10, 0},
		// Relocated RELRO whose private page was swapped out: MADV_DONTNEED
		// would free the swapped copy and bring back the file's page.
		{0x1420000, 0x1440000, "r--p", "/opt/my app/rosetta (deleted)", 64 << 10, 0, 8 << 10},
	}
	if len(ms) != len(want) {
		t.Fatalf("got %d mappings, want %d: %+v", len(ms), len(want), ms)
	}
	verdicts := []verdict{release, skip, keep, skip}
	for i := range want {
		if ms[i] != want[i] {
			t.Errorf("mapping %d: got %+v, want %+v", i, ms[i], want[i])
		}
		if v := ms[i].verdict(); v != verdicts[i] {
			t.Errorf("mapping %d (%s, %d KiB private): verdict %d, want %d", i, ms[i].perms, ms[i].anon>>10, v, verdicts[i])
		}
	}
	if _, err := parseSmaps(strings.NewReader("garbage line\n"), "x"); err == nil {
		t.Error("a malformed header parsed")
	}
}

// TestMappings: this process's maps hold its executable's mappings, one of
// them holding this test's code, and nothing for a file it does not map.
func TestMappings(t *testing.T) {
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		t.Fatal(err)
	}
	rs, err := Mappings(os.Getpid(), exe)
	if err != nil {
		t.Fatal(err)
	}
	pc := uint64(reflect.ValueOf(TestMappings).Pointer())
	if !slices.ContainsFunc(rs, func(r Range) bool { return r.Lo <= pc && pc < r.Hi }) {
		t.Errorf("no mapping of %s holds %#x: %+v", exe, pc, rs)
	}
	if rs, err := Mappings(os.Getpid(), "/no/such/file"); err != nil || len(rs) != 0 {
		t.Errorf("mappings of a file not mapped: %v, %v", rs, err)
	}
}

// TestReleaseReadsSmapsOnce: a release reads /proc/self/smaps once; the
// resident size afterwards is read only when asked for (a debug log).
func TestReleaseReadsSmapsOnce(t *testing.T) {
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		t.Fatal(err)
	}
	reads := 0
	st, err := releaseExe(exe, func(exe string) ([]mapping, error) {
		reads++
		return exeMappings(exe)
	})
	if err != nil {
		t.Fatal(err)
	}
	if reads != 1 {
		t.Errorf("a release read smaps %d times, want 1", reads)
	}
	if st.Released < 1 {
		t.Fatalf("released nothing: %+v", st)
	}
	// Measuring afterwards reads it again, and only the released mappings.
	after, err := st.after(func(exe string) ([]mapping, error) {
		reads++
		return exeMappings(exe)
	})
	if err != nil {
		t.Fatal(err)
	}
	if reads != 2 || after == 0 || after >= st.Before {
		t.Errorf("after: %d reads, %d bytes resident (%d before)", reads, after, st.Before)
	}
}

// TestReleaseDropsPageCache: a release leaves the executable out of the
// page cache (but for the pages in use) and its read-only mappings advised
// random, so that a page used again is mapped alone, not with the 64 KiB
// fault-around window of cached pages around it. The test maps the whole
// file read-only itself, as the loader maps .rodata, and Release releases
// that mapping too. Where the file system keeps its pages (tmpfs) only the
// advice is checked.
func TestReleaseDropsPageCache(t *testing.T) {
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	mem, err := unix.Mmap(int(f.Fd()), 0, int(fi.Size())&^(pageSize-1), unix.PROT_READ, unix.MAP_PRIVATE)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = unix.Munmap(mem) }()
	var sum byte
	for i := 0; i < len(mem); i += pageSize {
		sum += mem[i] // every page cached and mapped
	}
	before := 0
	for _, v := range cached(t, mem) {
		before += int(v & 1)
	}

	if _, err := Release(); err != nil {
		t.Fatal(err)
	}
	vec := cached(t, mem)
	after := 0
	for _, v := range vec {
		after += int(v & 1)
	}
	lo := uintptr(unsafe.Pointer(&mem[0]))
	flags := vmFlags(t, lo)
	t.Logf("%s: %d pages, %d cached before the release, %d after; VmFlags %q", exe, len(mem)/pageSize, before, after, flags)
	if !slices.Contains(strings.Fields(flags), "rr") {
		t.Errorf("released mapping not advised random (VmFlags %q)", flags)
	}
	var fs unix.Statfs_t
	if err := unix.Statfs(exe, &fs); err != nil {
		t.Fatal(err)
	}
	switch fs.Type {
	case unix.EXT4_SUPER_MAGIC, unix.XFS_SUPER_MAGIC, unix.BTRFS_SUPER_MAGIC:
	default:
		t.Logf("file system 0x%x may keep its pages cached: page cache not checked", fs.Type)
		return
	}
	if after >= before {
		t.Fatalf("%d of %d pages still cached after the release", after, before)
	}
	// A page of a 64 KiB window the release left uncached (pages in use
	// while it ran stay, with the folios they are in) comes back alone.
	const perWindow = faultAround / pageSize
	for w := 0; w+perWindow <= len(vec); w += perWindow {
		if slices.ContainsFunc(vec[w:w+perWindow], func(v byte) bool { return v&1 != 0 }) {
			continue
		}
		sum += mem[(w+perWindow/2)*pageSize]
		n := present(t, lo+uintptr(w*pageSize), perWindow)
		t.Logf("a page read again in window %d maps %d of its %d pages (%d)", w/perWindow, n, perWindow, sum)
		if n >= perWindow {
			t.Errorf("a page read again mapped its whole window")
		}
		return
	}
	t.Errorf("no 64 KiB window left uncached")
}

const (
	pageSize    = 4096
	faultAround = 64 << 10
)

// cached says which pages of mem are in the page cache (mincore: bit 0
// of each byte).
func cached(t *testing.T, mem []byte) []byte {
	t.Helper()
	vec := make([]byte, (len(mem)+pageSize-1)/pageSize)
	if _, _, errno := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&mem[0])), uintptr(len(mem)), uintptr(unsafe.Pointer(&vec[0]))); errno != 0 {
		t.Fatal(errno)
	}
	return vec
}

// present counts the pages of n at addr mapped in this process
// (/proc/self/pagemap).
func present(t *testing.T, addr uintptr, n int) int {
	t.Helper()
	f, err := os.Open("/proc/self/pagemap")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 8*n)
	if _, err := f.ReadAt(buf, int64(addr/pageSize*8)); err != nil {
		t.Fatal(err)
	}
	c := 0
	for i := range n {
		if binary.LittleEndian.Uint64(buf[8*i:])&(1<<63) != 0 {
			c++
		}
	}
	return c
}

// vmFlags returns the VmFlags line of the mapping starting at lo.
func vmFlags(t *testing.T, lo uintptr) string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	in := false
	for line := range strings.Lines(string(b)) {
		if a, _, ok := strings.Cut(line, "-"); ok && !strings.Contains(a, ":") && !strings.Contains(a, " ") {
			v, err := strconv.ParseUint(a, 16, 64)
			in = err == nil && uintptr(v) == lo
			continue
		}
		if f, ok := strings.CutPrefix(line, "VmFlags:"); ok && in {
			return strings.TrimSpace(f)
		}
	}
	t.Fatalf("no mapping at %x", lo)
	return ""
}
