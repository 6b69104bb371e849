//go:build linux

package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestPackageOf(t *testing.T) {
	for _, tc := range []struct{ sym, want string }{
		{"net/http.(*Server).Serve", "net/http"},
		{"runtime.mallocgc", "runtime"},
		{"github.com/prometheus/client_golang/prometheus.(*Registry).Gather", "github.com/prometheus/client_golang/prometheus"},
		{"gopkg.in/yaml%2ev3.(*parser).parse", "gopkg.in/yaml%2ev3"},
		{"slices.SortFunc[go.shape.[]*main.pkgUse,go.shape.*main.pkgUse]", "slices"},
		{"type:*github.com/rosetta-adapter/rosetta/outputs.Store", "type github.com/rosetta-adapter/rosetta/outputs"},
		{"go:itab.*net/http.response,net/http.ResponseWriter", "go:itab net/http"},
		{"go:string.*", "go:string"},
		{"runtime.pclntab", "runtime.pclntab"},
		{"main.main", "main"},
	} {
		if got := packageOf(tc.sym); got != tc.want {
			t.Errorf("packageOf(%q) = %q, want %q", tc.sym, got, tc.want)
		}
	}
}

// sleeper builds testdata/sleeper stripped (as released) and with
// symbols, starts the stripped one and returns its pid and the symbols.
func sleeper(t *testing.T) (pid int, symbols string) {
	t.Helper()
	dir := t.TempDir()
	stripped, symbols := filepath.Join(dir, "sleeper"), filepath.Join(dir, "sleeper.syms")
	for _, b := range [][]string{{"-ldflags", "-s -w", "-o", stripped}, {"-o", symbols}} {
		cmd := exec.Command("go", append(append([]string{"build", "-trimpath"}, b...), "./testdata/sleeper")...)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
	}
	cmd := exec.Command(stripped)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		_ = cmd.Wait()
	})
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "ready\n" {
		t.Fatalf("sleeper said %q, %v", line, err)
	}
	return cmd.Process.Pid, symbols
}

// TestInspect reads a stripped process's resident pages with the symbols
// of an unstripped build: the runtime and main have run, so their text is
// resident.
func TestInspect(t *testing.T) {
	pid, symbols := sleeper(t)
	r, err := inspect(pid, symbols)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]*section{}
	for _, s := range r.sections {
		if s.residentKB*1024 > s.mapped {
			t.Errorf("section %s: %d KiB resident of %d mapped", s.name, s.residentKB, s.mapped/1024)
		}
		names[s.name] = s
	}
	for _, want := range []string{".text", ".rodata", ".gopclntab"} {
		if s := names[want]; s == nil || s.residentKB == 0 {
			t.Errorf("section %s missing or not resident: %+v", want, s)
		}
	}
	resident := map[string]bool{}
	for _, u := range r.packages {
		if u.residentB > u.size {
			t.Errorf("%s %s: %d resident bytes of %d", u.section, u.pkg, u.residentB, u.size)
		}
		if u.section == ".text" && u.residentB > 0 {
			resident[u.pkg] = true
		}
	}
	for _, want := range []string{"runtime", "main", "fmt"} {
		if !resident[want] {
			t.Errorf("package %s's text is not resident", want)
		}
	}
	if full, partial := r.windows(64 << 10); full+partial == 0 {
		t.Error("no resident windows")
	}
	var out strings.Builder
	r.print(&out, 5, 64<<10)
	for _, want := range []string{"| .text |", "| .gopclntab |", "| .text | runtime |"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report has no %q:\n%s", want, out.String())
		}
	}
}

// TestOtherBinaryRejected: symbols of a different program would name the
// wrong code, so inspect refuses them.
func TestOtherBinaryRejected(t *testing.T) {
	pid, _ := sleeper(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := inspect(pid, self); err == nil || !strings.Contains(err.Error(), "not builds of the same source") {
		t.Fatalf("inspect with the test binary's symbols: err = %v, want a mismatch", err)
	}
}

func TestWindows(t *testing.T) {
	r := &report{resident: map[uint64]bool{}}
	for p := uint64(0x400000); p < 0x410000; p += pageSize { // one whole window
		r.resident[p] = true
	}
	r.resident[0x420000] = true // one page of another
	if full, partial := r.windows(64 << 10); full != 1 || partial != 1 {
		t.Errorf("windows = %d full, %d partial; want 1, 1", full, partial)
	}
}
