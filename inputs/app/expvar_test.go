package app

import (
	"bufio"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rosetta-adapter/rosetta/internal/testutil"
)

// startExpvarApp builds and starts testdata/app/expvarapp, a real Go
// program with an expvar page, and returns its /debug/vars URL.
func startExpvarApp(t *testing.T) string {
	t.Helper()
	gobin := testutil.GoTool(t)
	bin := filepath.Join(t.TempDir(), "expvarapp")
	build := exec.Command(gobin, "build", "-o", bin, "../../testdata/app/expvarapp")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building expvarapp: %v\n%s", err, out)
	}
	cmd := exec.Command(bin)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			addr <- strings.TrimSpace(sc.Text())
		}
	}()
	select {
	case a := <-addr:
		httpGet(t, "http://"+a+"/work")
		return "http://" + a + "/debug/vars"
	case <-time.After(30 * time.Second):
		t.Fatal("expvarapp did not print its address")
	}
	return ""
}

func TestExpvarRealProgram(t *testing.T) {
	url := startExpvarApp(t)
	f := factoryOf(t, "expvar")
	cfg := decodeTest(t, f, fmt.Sprintf("targets: [%q]\ninterval: 200ms\n", url))
	rec, _ := startDriver(t, f, cfg)
	source := "app/" + url
	waitFor(t, "expvar records", func() bool { return len(rec.get(source)) > 20 })
	lines := recordLines(rec.get(source))
	for _, re := range []string{
		`^requests\{\} untyped 43$`, `^hits\.home\{\} untyped 7$`, `^load\{\} untyped 0\.75$`,
		`^memstats\.HeapAlloc\{\} untyped [1-9]`, `^memstats\.NumGC\{\} untyped`,
	} {
		wantRecord(t, lines, re)
	}
	for _, l := range lines {
		if strings.HasPrefix(l, "memstats.PauseNs") || strings.HasPrefix(l, "memstats.BySize") || strings.HasPrefix(l, "cmdline") {
			t.Errorf("skipped path read: %s", l)
		}
	}
	body, _ := httpGet(t, url)
	saveBody(t, "expvar.json", body)
}
