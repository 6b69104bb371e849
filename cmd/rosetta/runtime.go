package main

import (
	"log/slog"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
)

// defaultGCPercent is the garbage collector's target when GOGC is not set.
// Rosetta runs beside an application and its memory counts against the
// pod's limit, so it keeps less garbage than Go's default of 100; its hot
// paths allocate little, so the extra collections cost little CPU.
const defaultGCPercent = 50

// cgroupMemoryMax is cgroup v2's memory limit of this container.
var cgroupMemoryMax = "/sys/fs/cgroup/memory.max"

// tuneRuntime sets GOGC to defaultGCPercent unless the environment sets
// it, and, unless GOMEMLIMIT is set, a soft memory limit of 90% of the
// container's cgroup memory limit, so that the garbage collector works
// harder before the kernel would kill the process. Unless GOMAXPROCS is
// set, it raises GOMAXPROCS by one above Go's default (the CPUs the
// container may use): input workers get the default, and the extra
// processor lets a socket reader run as soon as datagrams arrive instead
// of waiting until a busy worker yields (at 140k datagrams/s, a reader
// that waits 10 ms lets the socket buffer overflow). It returns the
// number of workers inputs should use and logs what it did.
func tuneRuntime(logger *slog.Logger) (workers int) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	workers = runtime.GOMAXPROCS(0)
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(workers + 1)
		logger.Debug("runtime", "gomaxprocs", workers+1, "input_workers", workers)
	}
	tuneMemory(logger)
	return workers
}

func tuneMemory(logger *slog.Logger) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	limit, ok := readMemoryMax(cgroupMemoryMax)
	if !ok {
		logger.Debug("runtime", "gogc", os.Getenv("GOGC"), "gomemlimit", "none")
		return
	}
	soft := limit / 10 * 9
	debug.SetMemoryLimit(soft)
	logger.Info("memory limit from the container's cgroup", "cgroup_limit_bytes", limit, "gomemlimit_bytes", soft)
}

// readMemoryMax reads a cgroup v2 memory.max file ("max" means none).
func readMemoryMax(file string) (int64, bool) {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0, false
	}
	s := strings.TrimSpace(string(b))
	if s == "max" || s == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n == math.MaxInt64 {
		return 0, false
	}
	return n, true
}
