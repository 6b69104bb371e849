// Package pprofhttp serves the Go runtime's profiles over HTTP under a
// prefix (/debug/pprof/), for `go tool pprof` and curl: the named
// profiles of runtime/pprof (heap, goroutine, allocs, block, mutex,
// threadcreate), a CPU profile and the command line.
//
// It stands in for net/http/pprof, which Rosetta linked only for
// --debug.pprof: that package's initialiser registers its handlers on
// http.DefaultServeMux in every process that links it, whether profiling
// is enabled or not, and the registration looks up its caller's source
// position; with the code it pulls in (internal/profile, for delta
// profiles) it kept about 0.8 MiB of the binary resident in an idle
// sidecar. Delta profiles (?seconds= on a named profile) are not served:
// take two profiles and compare them with `go tool pprof -base`. Nor are
// execution traces: the trace writer (runtime/trace.Start) linked into
// the binary measured another 0.5 MiB of idle RSS (cmd/residency, 3
// interleaved runs); trace a test or benchmark (go test -trace) instead.
package pprofhttp

import (
	"fmt"
	"html"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"
)

// Register serves the profiles on mux under prefix, which ends in "/".
func Register(mux *http.ServeMux, prefix string) {
	mux.HandleFunc(prefix, func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, prefix)
		if name == "" {
			index(w, prefix)
			return
		}
		named(w, r, name)
	})
	mux.HandleFunc(prefix+"profile", cpuProfile)
	mux.HandleFunc(prefix+"cmdline", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = fmt.Fprint(w, strings.Join(os.Args, "\x00")) //nolint:gosec // G705: text/plain, not HTML
	})
}

// index lists the profiles with their current counts.
func index(w http.ResponseWriter, prefix string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	var b strings.Builder
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html><head><title>%s</title></head><body>\n<h1>%[1]s</h1>\n<table>\n<tr><th>count</th><th>profile</th></tr>\n", html.EscapeString(prefix))
	for _, p := range pprof.Profiles() {
		name := html.EscapeString(p.Name())
		fmt.Fprintf(&b, "<tr><td>%d</td><td><a href=\"%s?debug=1\">%s</a></td></tr>\n", p.Count(), name, name)
	}
	b.WriteString("<tr><td></td><td><a href=\"profile?seconds=30\">profile</a> (CPU, 30 s)</td></tr>\n")
	b.WriteString("<tr><td></td><td><a href=\"cmdline\">cmdline</a></td></tr>\n</table>\n")
	b.WriteString("<p><code>go tool pprof URL</code> reads a profile without <code>?debug</code>; <code>?debug=1</code> is text, <code>?debug=2</code> for goroutine lists every stack; <code>?gc=1</code> collects garbage before a heap profile.</p>\n</body></html>\n")
	_, _ = fmt.Fprint(w, b.String())
}

// named writes a runtime/pprof profile: pprof's protocol buffer, or text
// with ?debug=N.
func named(w http.ResponseWriter, r *http.Request, name string) {
	p := pprof.Lookup(name)
	if p == nil {
		http.Error(w, fmt.Sprintf("unknown profile %q", name), http.StatusNotFound)
		return
	}
	if r.FormValue("seconds") != "" {
		http.Error(w, "delta profiles (seconds) are not served: take two profiles and compare them with go tool pprof -base", http.StatusBadRequest)
		return
	}
	debug := 0
	if s := r.FormValue("debug"); s != "" {
		d, err := strconv.Atoi(s)
		if err != nil || d < 0 {
			http.Error(w, fmt.Sprintf("debug=%q: want a number ≥ 0", s), http.StatusBadRequest)
			return
		}
		debug = d
	}
	if name == "heap" && r.FormValue("gc") != "" && r.FormValue("gc") != "0" {
		runtime.GC()
	}
	if debug > 0 {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	} else {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
	}
	_ = p.WriteTo(w, debug) // a write error means the client went away
}

// seconds reads the ?seconds= duration, def when absent.
func seconds(r *http.Request, def int) (time.Duration, error) {
	s := r.FormValue("seconds")
	if s == "" {
		return time.Duration(def) * time.Second, nil
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || n <= 0 || n > 3600 {
		return 0, fmt.Errorf("seconds=%q: want a number of seconds in (0, 3600]", s)
	}
	return time.Duration(n * float64(time.Second)), nil
}

// wait sleeps d, or until the client goes away.
func wait(r *http.Request, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	}
}

// cpuProfile writes a CPU profile of ?seconds= (30 by default).
func cpuProfile(w http.ResponseWriter, r *http.Request) {
	d, err := seconds(r, 30)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="profile"`)
	if err := pprof.StartCPUProfile(w); err != nil {
		w.Header().Del("Content-Disposition")
		http.Error(w, "could not start the CPU profile: "+err.Error(), http.StatusInternalServerError)
		return
	}
	wait(r, d)
	pprof.StopCPUProfile()
}
