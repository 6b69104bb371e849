package exepages

import (
	"fmt"
	"os"
	"slices"

	"golang.org/x/sys/unix"
)

func (m mapping) writable() bool { return len(m.perms) < 2 || m.perms[1] != '-' }

// verdict is what Release does with a mapping of the executable.
type verdict int

const (
	// release: read-only and holding no private page.
	release verdict = iota
	// keep: writable; MADV_DONTNEED would discard what was written to it.
	keep
	// skip: read-only but holding private copies of pages (relocated by
	// the dynamic loader before it was made read-only, patched by a
	// debugger or a uprobe), resident or swapped out; they would be lost
	// too (MADV_DONTNEED frees a swapped-out copy as well, and the page
	// comes back from the file).
	skip
)

func (m mapping) verdict() verdict {
	switch {
	case m.writable():
		return keep
	case m.anon > 0 || m.swap > 0:
		return skip
	}
	return release
}

// Release releases the read-only mappings of the executable that hold no
// private page copies, and says what it did: it advises random access on
// them (no read-ahead), unmaps their pages, and drops the executable's
// pages that no process maps from the page cache, so that a page used
// again comes back alone instead of with its 64 KiB fault-around window.
func Release() (Stats, error) {
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return Stats{}, err
	}
	return releaseExe(exe, exeMappings)
}

// releaseExe is Release with the reading of smaps passed in.
func releaseExe(exe string, read func(exe string) ([]mapping, error)) (Stats, error) {
	st := Stats{exe: exe}
	ms, err := read(exe)
	if err != nil {
		return st, err
	}
	var f *os.File
	for _, m := range ms {
		switch m.verdict() {
		case keep:
			continue
		case skip:
			st.Skipped++
			continue
		}
		if st.Released == 0 {
			// The file, synced before the first unmapping (and only
			// when there is one): its pages written and not yet on
			// disk (a binary just built) could not be dropped, and the
			// sync must not delay the drop after the unmapping
			// (dropPageCache).
			if f, err = os.Open(exe); err == nil { // f is nil otherwise
				defer f.Close()
				_ = f.Sync()
			}
		}
		// Random access first: a page the process uses between the
		// unmapping and dropPageCache must not read its neighbours back
		// in.
		for _, advice := range []int{unix.MADV_RANDOM, unix.MADV_DONTNEED} {
			if _, _, errno := unix.Syscall(unix.SYS_MADVISE, m.lo, m.hi-m.lo, uintptr(advice)); errno != 0 {
				return st, fmt.Errorf("madvise %x-%x %s: %w", m.lo, m.hi, m.perms, errno)
			}
		}
		st.released = append(st.released, m.lo)
		st.Released++
		st.Before += m.rss
	}
	if f != nil {
		dropPageCache(f)
	}
	return st, nil
}

// dropPageCache drops the pages of the executable f that no process maps
// from the page cache (posix_fadvise POSIX_FADV_DONTNEED), right after the
// unmapping: a page used again since is mapped again and stays. Without it
// a page used again after the release is mapped with every cached page of
// its 64 KiB fault-around window, and the release would keep only the
// windows no code or data of steady work is in; with it (and MADV_RANDOM)
// the kernel reads back only the pages used (an executable mapping's
// faults read 64 KiB folios on some kernels all the same). Best effort:
// where the file system keeps its pages (tmpfs) or refuses, the release is
// as it was without.
func dropPageCache(f *os.File) {
	_ = unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
}

// After reads /proc/self/smaps again and returns the resident bytes of the
// mappings st released: the pages the process used again since the
// release, at least the code that reads smaps. Release does not measure
// it; only a caller that reports it pays for the second read.
func (st Stats) After() (uint64, error) {
	return st.after(exeMappings)
}

func (st Stats) after(read func(exe string) ([]mapping, error)) (uint64, error) {
	if len(st.released) == 0 {
		return 0, nil
	}
	ms, err := read(st.exe)
	if err != nil {
		return 0, err
	}
	var rss uint64
	for _, m := range ms {
		if slices.Contains(st.released, m.lo) {
			rss += m.rss
		}
	}
	return rss, nil
}

// exeMappings reads /proc/self/smaps and returns the mappings of the file
// at path exe (as /proc/self/exe names it).
func exeMappings(exe string) ([]mapping, error) {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ms, err := parseSmaps(f, exe)
	if err != nil {
		return nil, fmt.Errorf("/proc/self/smaps: %w", err)
	}
	return ms, nil
}
