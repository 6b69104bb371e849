// Package benchenv is what the benchmark harnesses under cmd/
// (bench-report, ingest-bench, jmx-bench, json-bench, json-oracle) share:
// the machine a measurement ran on (a number measured on a shared 2-core
// machine means little without the CPU, the kernel and the load average
// beside it), loopback addresses, a process's CPU time and memory from
// /proc, and reading a server's pages and expositions.
package benchenv

import (
	"fmt"
	"net"
	"os"
	"runtime"
	"strings"
)

// LoadAverage is /proc/loadavg's 1, 5 and 15 minute load averages,
// "unknown" when they cannot be read.
func LoadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// CPUModel is the first "model name" of /proc/cpuinfo.
func CPUModel() string {
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for l := range strings.Lines(string(b)) {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				return strings.TrimSpace(v)
			}
		}
	}
	return "unknown CPU"
}

// Kernel is the running kernel's release.
func Kernel() string {
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		return strings.TrimSpace(string(b))
	}
	return "unknown"
}

// Machine is one line: CPU, cores, kernel and the Go the harness was
// built with.
func Machine() string {
	return fmt.Sprintf("%s, %d cores, Linux %s, %s", CPUModel(), runtime.NumCPU(), Kernel(), runtime.Version())
}

// FreeAddr is a 127.0.0.1 TCP address free a moment ago, for a server the
// harness starts as another process (which must bind it itself).
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
