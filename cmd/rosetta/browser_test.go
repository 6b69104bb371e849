package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rosetta-adapter/rosetta/internal/testutil"
)

// The live mappings page in a real browser: headless Chromium (Debian's)
// driven by Playwright follows the landing page's link and checks the rule
// table, an unmatched name with its suggested rule and a conflict; the
// screenshots are left in the test's directory.
func TestMappingsPageInBrowser(t *testing.T) {
	node := testutil.Peer(t, "nodejs", "node")
	chromium := "/usr/bin/chromium"
	if _, err := os.Stat(chromium); err != nil {
		t.Fatal("chromium is not installed (Debian package chromium): `make peers` installs it")
	}
	if _, err := os.Stat("../../testdata/node/node_modules/playwright-core"); err != nil {
		t.Fatal("playwright-core is not installed in testdata/node: `make peers` runs npm ci there")
	}
	bin := buildRosetta(t)
	web := fmt.Sprintf("127.0.0.1:%d", testutil.FreePort(t))
	tcp := fmt.Sprintf("127.0.0.1:%d", testutil.FreePort(t))
	p := startProcess(t, bin, "--statsd.mapping-config=../../testdata/mappingtests/statsd-mapping.yml",
		"--statsd.listen-udp=", "--statsd.listen-tcp="+tcp, "--web.listen-address="+web, "--config.watch-interval=0")
	p.waitReady(t, "http://"+web+"/-/ready", 20*time.Second)
	sendTCP(t, tcp, []byte("api.a.requests:1|c\napi.a.requests:1|c\napi.b.requests:1|c\napi.c.requests:1|g\nweb.about.hits:1|c\nweb.home.hits:2|c\ndebug.x:1|c\n"))
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + web + "/api/v1/mappings")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Contains(string(b), `"hits": 4`) && strings.Contains(string(b), "web.home.hits") {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the records did not arrive")
		}
		time.Sleep(50 * time.Millisecond)
	}
	shots := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "../../testdata/browser/mappings.mjs", "http://"+web, shots)
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "ok") {
		t.Fatalf("browser test: %v\n%s", err, out)
	}
	for _, f := range []string{"mappings.png", "mappings-statsd.png"} {
		if st, err := os.Stat(filepath.Join(shots, f)); err != nil || st.Size() < 1000 {
			t.Errorf("screenshot %s: %v", f, err)
		}
	}
}
