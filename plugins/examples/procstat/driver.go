package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/prometheus/procfs"

	"github.com/rosetta-adapter/rosetta/plugins/sdk"
)

// Config is the plugin's config block.
type Config struct {
	// PIDs are process IDs to report; 0 means the plugin's parent
	// (Rosetta itself).
	PIDs []int `yaml:"pids"`
	// PIDFiles hold a PID each, read at every collect.
	PIDFiles []string `yaml:"pid_files"`
	// ProcRoot is where procfs is mounted.
	ProcRoot string `yaml:"proc_root"`
}

// Driver is the procstat pull driver.
type Driver struct {
	Version string
	cfg     Config
	fs      procfs.FS
}

var (
	cpuSeconds = sdk.NewCounter("process_cpu_seconds_total", "User and system CPU time spent, in seconds.")
	rss        = sdk.NewGauge("process_resident_memory_bytes", "Resident memory size in bytes.")
	vsize      = sdk.NewGauge("process_virtual_memory_bytes", "Virtual memory size in bytes.")
	startTime  = sdk.NewGauge("process_start_time_seconds", "Start time of the process since the Unix epoch, in seconds.")
	openFDs    = sdk.NewGauge("process_open_fds", "Open file descriptors.")
	threads    = sdk.NewGauge("process_threads", "Threads of the process.")
	ctxSwitch  = sdk.NewCounter("process_context_switches_total", "Context switches, by type.")
	readBytes  = sdk.NewCounter("process_io_read_bytes_total", "Bytes the process caused to be read from storage.")
	writeBytes = sdk.NewCounter("process_io_write_bytes_total", "Bytes the process caused to be written to storage.")
	up         = sdk.NewGauge("process_up", "Whether the process could be read (1) or not (0).")
)

// Info implements sdk.Driver.
func (d *Driver) Info() sdk.Info {
	return sdk.Info{Name: "procstat", Version: d.Version, Mode: sdk.Pull,
		Description: "process statistics from /proc"}
}

// Configure implements sdk.Driver.
func (d *Driver) Configure(_ context.Context, c sdk.Config) error {
	cfg := Config{ProcRoot: procfs.DefaultMountPoint}
	if err := c.Decode(&cfg); err != nil {
		return err
	}
	var errs []error
	if len(cfg.PIDs) == 0 && len(cfg.PIDFiles) == 0 {
		errs = append(errs, sdk.FieldError("", "set pids or pid_files"))
	}
	for i, pid := range cfg.PIDs {
		if pid < 0 {
			errs = append(errs, sdk.FieldError(fmt.Sprintf("pids[%d]", i), "%d is not a process ID", pid))
		}
	}
	for i, f := range cfg.PIDFiles {
		if f == "" {
			errs = append(errs, sdk.FieldError(fmt.Sprintf("pid_files[%d]", i), "%q is not a file name", f))
		}
	}
	fs, err := procfs.NewFS(cfg.ProcRoot)
	if err != nil {
		errs = append(errs, sdk.FieldError("proc_root", "%q: %v", cfg.ProcRoot, err))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for i, pid := range cfg.PIDs {
		if pid == 0 {
			cfg.PIDs[i] = os.Getppid()
		}
	}
	d.cfg, d.fs = cfg, fs
	return nil
}

// Collect implements sdk.Puller (a process that is gone is counted, not
// an error).
//
//nolint:unparam // the error result is sdk.Puller's
func (d *Driver) Collect(_ context.Context, w *sdk.Writer) error {
	for _, pid := range d.cfg.PIDs {
		d.collect(w, pid, "")
	}
	for _, f := range d.cfg.PIDFiles {
		b, err := os.ReadFile(f)
		if err != nil {
			w.CountError("pid_file")
			_ = w.Sample(up).Label("pid_file", f).Value(0)
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil {
			w.CountError("pid_file")
			_ = w.Sample(up).Label("pid_file", f).Value(0)
			continue
		}
		d.collect(w, pid, f)
	}
	return nil
}

func (d *Driver) collect(w *sdk.Writer, pid int, pidFile string) {
	labels := []string{"pid", strconv.Itoa(pid)}
	if pidFile != "" {
		labels = append(labels, "pid_file", pidFile)
	}
	p, err := d.fs.Proc(pid)
	var st procfs.ProcStat
	if err == nil {
		st, err = p.Stat()
	}
	if err != nil {
		w.CountError("proc_read")
		_ = w.Add(up, 0, labels...)
		return
	}
	labels = append(labels, "comm", st.Comm)
	_ = w.Add(up, 1, labels...)
	_ = w.Add(cpuSeconds, st.CPUTime(), labels...)
	_ = w.Add(rss, float64(st.ResidentMemory()), labels...)
	_ = w.Add(vsize, float64(st.VirtualMemory()), labels...)
	_ = w.Add(threads, float64(st.NumThreads), labels...)
	if t, err := st.StartTime(); err == nil {
		_ = w.Add(startTime, t, labels...)
	}
	if n, err := p.FileDescriptorsLen(); err == nil {
		_ = w.Add(openFDs, float64(n), labels...)
	}
	if s, err := p.NewStatus(); err == nil {
		_ = w.Add(ctxSwitch, float64(s.VoluntaryCtxtSwitches), append(labels, "type", "voluntary")...)
		_ = w.Add(ctxSwitch, float64(s.NonVoluntaryCtxtSwitches), append(labels, "type", "involuntary")...)
	}
	if io, err := p.IO(); err == nil {
		_ = w.Add(readBytes, float64(io.ReadBytes), labels...)
		_ = w.Add(writeBytes, float64(io.WriteBytes), labels...)
	}
}
