package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/rosetta-adapter/rosetta/internal/testutil"
)

// TestMetricsTLSAndBasicAuth serves /metrics with TLS and basic auth from
// --web.config.file (exporter-toolkit) and checks it with curl, a real
// client: the right password over TLS gets the metrics; a wrong one, none,
// or plain HTTP do not.
func TestMetricsTLSAndBasicAuth(t *testing.T) {
	curl := testutil.Peer(t, "curl", "curl")
	dir := t.TempDir()
	cert, key, _ := testutil.SelfSigned(t, dir, "cert.pem", "key.pem")
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	webCfg := writeFile(t, dir, "web.yml", fmt.Sprintf("tls_server_config:\n  cert_file: %s\n  key_file: %s\nbasic_auth_users:\n  scraper: %s\n", cert, key, hash))
	bin := buildRosetta(t)
	web := testutil.FreeAddr(t)
	startProcess(t, bin, "--web.listen-address="+web, "--web.config.file="+webCfg, "--statsd.listen-udp=", "--statsd.listen-tcp="+testutil.FreeAddr(t))
	testutil.WaitTCP(t, web, 20*time.Second)
	run := func(args ...string) (code string, body string) {
		t.Helper()
		out, _ := exec.Command(curl, append([]string{"-sS", "-o", filepath.Join(dir, "body"), "-w", "%{http_code}", "--max-time", "10"}, args...)...).Output()
		b, _ := os.ReadFile(filepath.Join(dir, "body"))
		_ = os.Remove(filepath.Join(dir, "body"))
		return string(out), string(b)
	}
	url := "https://" + web + "/metrics"
	testutil.Eventually(t, 20*time.Second, "the TLS endpoint", func() bool {
		code, _ := run("--cacert", cert, "-u", "scraper:s3cret", url)
		return code == "200"
	})
	code, body := run("--cacert", cert, "-u", "scraper:s3cret", url)
	if code != "200" || !strings.Contains(body, "rosetta_build_info") {
		t.Errorf("with the password: %s %.200s", code, body)
	}
	if code, _ := run("--cacert", cert, "-u", "scraper:wrong", url); code != "401" {
		t.Errorf("wrong password: %s, want 401", code)
	}
	if code, _ := run("--cacert", cert, url); code != "401" {
		t.Errorf("no password: %s, want 401", code)
	}
	if code, _ := run("-u", "scraper:s3cret", url); code == "200" {
		t.Error("curl accepted the certificate without --cacert")
	}
	if code, _ := run("-u", "scraper:s3cret", "http://"+web+"/metrics"); code == "200" {
		t.Error("plain HTTP served /metrics")
	}
}
