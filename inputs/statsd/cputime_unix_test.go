//go:build unix

package statsd

import "syscall"

// processCPU is the user and system CPU time this process used, in
// nanoseconds: a benchmark's CPU per operation counts the garbage
// collector's work on other threads, and not the time other processes on
// a loaded machine took.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
