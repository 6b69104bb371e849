// Package stackstart grows the main goroutine's stack once, early in
// program initialisation, so that the package initialisers and start-up
// that follow do not grow it step by step.
//
// A goroutine starts with a 2 KiB stack and doubles it whenever a call
// needs more. Each doubling copies the stack, and to copy it the runtime
// reads the function metadata (.gopclntab: stack-pointer deltas, stack
// maps) of every frame on it. Rosetta's start-up runs deep call chains in
// dozens of packages (encoding/gob's type registration, regexp
// compilation, YAML decoding, rule building), so each doubling reads the
// metadata of functions scattered over the binary, and the kernel maps
// every page it reads together with the 64 KiB fault-around window around
// it: those pages of the binary stay in the process's RSS, and in the
// page cache it is charged for, while the adapter idles. One growth here,
// with only a few frames on the stack, replaces most of them (idle RSS of
// the default config, cmd/residency: .gopclntab 5,586 -> 5,192 KiB
// resident, mean of 4 interleaved runs each; see Grow).
//
// A program imports it for its initialiser only:
//
//	import _ "github.com/rosetta-adapter/rosetta/internal/stackstart"
//
// It imports nothing, so it is initialised before the packages whose
// initialisers do the deep work (google.golang.org/grpc, encoding/gob, ...).
package stackstart

// Frame is the stack frame Grow asks for. The stack grows to the next
// power of two that holds it with what is already on the stack (64 KiB),
// deeper than any start-up call chain measured; the garbage collector
// halves it again while the goroutine uses less than a quarter of it.
const Frame = 32 << 10

func init() { _ = Grow(1) }

// Grow uses a Frame-byte frame and returns a byte of it (i must be in
// [0, Frame)); calling it makes the calling goroutine's stack hold at
// least that much.
//
//go:noinline
func Grow(i int) byte {
	var frame [Frame]byte
	frame[i] = byte(i)
	return frame[(i*7)%Frame]
}
