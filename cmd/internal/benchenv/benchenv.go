// Package benchenv is what the benchmark harnesses under cmd/
// (bench-report, ingest-bench, jmx-bench, json-bench, json-oracle) share:
// the machine a measurement ran on (a number measured on a shared 2-core
// machine means little without the CPU, the kernel and the load average
// beside it), loopback addresses, a process's CPU time and memory from
// /proc, building the servers measured, serving and reading pages and
// expositions, medians and percentiles.
package benchenv

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
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

// FreeAddr is a 127.0.0.1 port free a moment ago for both TCP and UDP, for
// a server the harness starts as another process (which must bind it
// itself): a StatsD server binds its UDP and TCP listeners on one port.
func FreeAddr() (netip.AddrPort, error) {
	for range 50 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return netip.AddrPort{}, err
		}
		addr := netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), uint16(ln.Addr().(*net.TCPAddr).Port)) //nolint:gosec // G115: a port fits in 16 bits
		u, err := net.ListenPacket("udp", addr.String())
		_ = ln.Close()
		if err == nil {
			_ = u.Close()
			return addr, nil
		}
	}
	return netip.AddrPort{}, errors.New("no port of 127.0.0.1 free for both TCP and UDP in 50 tries")
}
