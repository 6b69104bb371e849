package benchenv

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// CPUTime is a process's user and system CPU time so far, from
// /proc/PID/stat.
func CPUTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return parseStatCPU(string(b))
}

// parseStatCPU reads utime and stime (fields 14 and 15) of /proc/PID/stat,
// whose second field (the command) may contain spaces and parentheses.
func parseStatCPU(stat string) (time.Duration, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("malformed /proc/PID/stat")
	}
	f := strings.Fields(stat[i+1:])
	// f[0] is field 3 (state); utime is field 14, stime 15.
	if len(f) < 13 {
		return 0, errors.New("short /proc/PID/stat")
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	const clkTck = 100 // USER_HZ on Linux
	return time.Duration(ut+st) * time.Second / clkTck, nil
}

// Status is the numeric fields of /proc/PID/status by name; the memory
// fields (VmRSS, VmHWM, RssAnon, ...) are in KiB.
func Status(pid int) (map[string]int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, err
	}
	return parseStatus(string(b)), nil
}

// StatusField is one numeric field of /proc/PID/status (KiB for memory),
// an error when the process has no such field.
func StatusField(pid int, name string) (int64, error) {
	st, err := Status(pid)
	if err != nil {
		return 0, err
	}
	return field(st, name, fmt.Sprintf("/proc/%d/status", pid))
}

// field is m[name] (a field of what was read from src), an error naming
// src when m has no such field.
func field[V any](m map[string]V, name, src string) (V, error) {
	v, ok := m[name]
	if !ok {
		return v, fmt.Errorf("no %s in %s", name, src)
	}
	return v, nil
}

func parseStatus(status string) map[string]int64 {
	out := map[string]int64{}
	for l := range strings.Lines(status) {
		k, v, ok := strings.Cut(l, ":")
		if f := strings.Fields(v); ok && len(f) > 0 {
			if n, err := strconv.ParseInt(f[0], 10, 64); err == nil {
				out[k] = n
			}
		}
	}
	return out
}
