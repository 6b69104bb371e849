// Package exepages releases this process's mappings of the read-only pages
// of its own executable (code, read-only data) that start-up touched and
// steady work does not need again.
//
// A Go server's resident set is mostly pages of its binary: every page
// that package initialisers and start-up code read (their code, their
// tables, the function metadata a stack growth walks) is mapped into the
// process, and the kernel maps the 64 KiB fault-around window around each
// one. They stay mapped, and counted in RSS, for the life of the process,
// though an idle sidecar never runs that code again. Release unmaps them
// (madvise MADV_DONTNEED) from the process's page tables, and then drops
// the executable's pages no process maps from the page cache
// (posix_fadvise POSIX_FADV_DONTNEED, after an fsync for a binary just
// written) with read-ahead off on the released mappings (MADV_RANDOM): a
// page used again afterwards is read back alone, and mapped without the
// neighbours its 64 KiB window would otherwise bring from the page cache.
// Steady work (a poll, a scrape, the collector) then keeps the pages it
// uses resident, not their windows: for the JMX input's polls, 2.6-3 MiB
// of read-only data and function metadata instead of 8 (code is read in
// 64 KiB folios by some kernels all the same). A page used for the first
// time since the release costs a read from the file system instead of a
// minor fault; pages mapped by another process of the same binary stay
// cached.
//
// Only read-only mappings of the executable are released, and only those
// holding no private copy of a page, resident or swapped out (smaps
// "Anonymous: 0 kB" and "Swap: 0 kB"): on a private mapping,
// MADV_DONTNEED throws away what was written to it, so a
// writable mapping (.data, .bss) is never touched, nor a read-only one the
// dynamic loader relocated before making it read-only (RELRO of a cgo
// binary) or a debugger wrote a breakpoint into. Outside Linux Release does
// nothing.
//
// Mappings reads another process's mappings of a file from /proc/PID/maps
// with the parser Release reads smaps with (cmd/residency uses it).
package exepages

// Stats is what one Release did. Byte counts are the resident sizes
// (smaps "Rss") of the released mappings.
type Stats struct {
	// Released is how many read-only mappings of the executable were
	// released; Skipped how many read-only ones were left because they
	// hold private copies of pages.
	Released, Skipped int
	// Before is the resident bytes of the released mappings just before
	// the release; After measures them again.
	Before uint64

	exe      string    // the executable's path, as /proc/self/exe names it
	released []uintptr // the start addresses of the released mappings
}
