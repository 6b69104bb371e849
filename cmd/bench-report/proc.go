package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rosetta-adapter/rosetta/cmd/internal/benchenv"
)

// setProcessGroup starts cmd in a process group of its own and makes its
// cancellation kill the whole group (go run, the harness, its servers).
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
}

// measureIdle starts bin (Rosetta or statsd_exporter: the same flags) with
// its default config on free 127.0.0.1 ports, waits 10 s, and returns its
// RSS and the context switches per second of all its threads over secs
// seconds. It stands in for .ci/bench-idle when that is absent.
func measureIdle(bin string, secs int) (idleResult, error) {
	var addrs [3]string
	for i := range addrs {
		a, err := benchenv.FreeAddr()
		if err != nil {
			return idleResult{}, err
		}
		addrs[i] = a.String()
	}
	cmd := exec.Command(bin, "--web.listen-address="+addrs[0], "--statsd.listen-udp="+addrs[1], "--statsd.listen-tcp="+addrs[2])
	if err := cmd.Start(); err != nil {
		return idleResult{}, err
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.Dial("tcp", addrs[0])
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			return idleResult{}, fmt.Errorf("%s did not listen within 30s", bin)
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(10 * time.Second)
	pid := cmd.Process.Pid
	c0, err := contextSwitches(pid)
	if err != nil {
		return idleResult{}, err
	}
	time.Sleep(time.Duration(secs) * time.Second)
	c1, err1 := contextSwitches(pid)
	rss, err2 := benchenv.StatusField(pid, "VmRSS")
	if err := errors.Join(err1, err2); err != nil {
		return idleResult{}, err
	}
	return idleResult{rssMiB: float64(rss) / 1024, wakeups: float64(c1-c0) / float64(secs)}, nil
}

// contextSwitches sums the voluntary and involuntary context switches of
// every thread of pid.
func contextSwitches(pid int) (int64, error) {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*", pid))
	if err != nil || len(tasks) == 0 {
		return 0, fmt.Errorf("no threads of %d", pid)
	}
	var n int64
	for _, t := range tasks {
		b, err := os.ReadFile(t + "/status")
		if err != nil {
			continue // the thread ended
		}
		for l := range strings.Lines(string(b)) {
			if k, v, ok := strings.Cut(l, ":"); ok && (k == "voluntary_ctxt_switches" || k == "nonvoluntary_ctxt_switches") {
				x, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
				if err != nil {
					return 0, err
				}
				n += x
			}
		}
	}
	return n, nil
}
