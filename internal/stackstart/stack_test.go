package stackstart

import (
	"runtime/debug"
	"testing"
	"unsafe"
)

// deep recurses until it has used about n bytes of stack.
//
//go:noinline
func deep(n int) int {
	var pad [256]byte
	pad[n%len(pad)] = 1
	if n <= len(pad) {
		return int(pad[0])
	}
	return deep(n-len(pad)) + int(pad[n%len(pad)])
}

// moved reports whether the goroutine's stack was copied elsewhere while
// it ran a call chain using depth bytes of stack, after grow (if set):
// a local's address changes when its stack moves.
func moved(grow bool, depth int) bool {
	done := make(chan bool)
	go func() {
		if grow {
			_ = Grow(0)
		}
		var local byte
		before := uintptr(unsafe.Pointer(&local))
		_ = deep(depth)
		done <- uintptr(unsafe.Pointer(&local)) != before
	}()
	return <-done
}

// TestGrow: a call chain that needs more than a new goroutine's stack
// moves the stack (the copy that reads function metadata), unless Grow
// ran first.
func TestGrow(t *testing.T) {
	// A collection could shrink the grown stack between Grow and the
	// call chain.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	for _, tc := range []struct {
		name  string
		grow  bool
		depth int
		moved bool
	}{
		{"new goroutine, 8 KiB deep", false, 8 << 10, true},
		{"new goroutine, 24 KiB deep", false, 24 << 10, true},
		{"after Grow, 8 KiB deep", true, 8 << 10, false},
		{"after Grow, 24 KiB deep", true, 24 << 10, false},
	} {
		if got := moved(tc.grow, tc.depth); got != tc.moved {
			t.Errorf("%s: stack moved = %v, want %v", tc.name, got, tc.moved)
		}
	}
}
