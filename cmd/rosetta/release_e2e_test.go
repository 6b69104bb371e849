package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/rosetta-adapter/rosetta/internal/testutil"
)

// releasedLine is the debug log line of a release (internal/exepages).
var releasedLine = regexp.MustCompile(`msg="released the executable's start-up pages" mappings=(\d+) skipped=\d+ resident_before_bytes=(\d+) resident_after_bytes=(\d+)`)

// TestReleaseStartupPages: the rosetta binary releases its executable's
// start-up pages once it has started, then still serves /metrics and
// takes StatsD traffic, running code and reading data it unmapped.
func TestReleaseStartupPages(t *testing.T) {
	port := testutil.FreePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	web, p := startRosetta(t, "--log.level=debug", "--statsd.listen-udp=", "--statsd.listen-tcp="+addr)

	var m []string
	if !testutil.Poll(releaseDelay+20*time.Second, func() bool {
		m = releasedLine.FindStringSubmatch(p.Output())
		return m != nil
	}) {
		t.Fatalf("no release logged:\n%s", p.Output())
	}
	mappings, _ := strconv.Atoi(m[1])
	before, _ := strconv.ParseUint(m[2], 10, 64)
	after, _ := strconv.ParseUint(m[3], 10, 64)
	t.Logf("released %d mappings: %d KiB resident before, %d KiB after", mappings, before>>10, after>>10)
	if mappings < 1 || after >= before {
		t.Errorf("release: %d mappings, %d -> %d bytes resident", mappings, before, after)
	}

	sendTCP(t, addr, []byte("after.release:3|c\n"))
	waitFor(t, web, "after_release", nil, 3)
	if _, ok := scrape(t, "http://"+web+"/metrics")["rosetta_build_info"]; !ok {
		t.Error("rosetta_build_info missing after the release")
	}

	// A reload runs start-up code again; a release follows it (another
	// releaseDelay of waiting: not in the -short tier).
	if testing.Short() {
		return
	}
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	if !testutil.Poll(releaseDelay+20*time.Second, func() bool {
		return len(releasedLine.FindAllString(p.Output(), -1)) >= 2
	}) {
		t.Fatalf("no release logged after the reload:\n%s", p.Output())
	}
	sendTCP(t, addr, []byte("after.release:4|c\n"))
	waitFor(t, web, "after_release", nil, 7)
}

// TestInjectReleasesStartupPages: `rosetta inject` is a long-running
// server (the rosetta-injector Deployment) and releases its start-up
// pages as `rosetta run` does; the webhook answers afterwards.
func TestInjectReleasesStartupPages(t *testing.T) {
	dir := t.TempDir()
	cert, key, pool := testutil.SelfSigned(t, dir, "tls.crt", "tls.key")
	addr := fmt.Sprintf("127.0.0.1:%d", testutil.FreePort(t))
	p := startProcess(t, buildRosetta(t), "inject", "--log.level=debug", "--inject.listen-address="+addr,
		"--tls.cert-file="+cert, "--tls.key-file="+key)

	var m []string
	if !testutil.Poll(releaseDelay+20*time.Second, func() bool {
		m = releasedLine.FindStringSubmatch(p.Output())
		return m != nil
	}) {
		t.Fatalf("no release logged:\n%s", p.Output())
	}
	t.Logf("released %s mappings: %s bytes resident before, %s after", m[1], m[2], m[3])

	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get("https://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "ok\n" {
		t.Errorf("/healthz after the release: %s %q", resp.Status, body)
	}
}

// TestPageReleaserStops: the releaser's goroutine ends with its context,
// a release pending or not, and a disabled one does nothing.
func TestPageReleaserStops(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	p := newPageReleaser(true)
	p.kick()
	p.kick() // one is pending: does not block
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		p.run(ctx, logger)
		close(done)
	}()
	cancel()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("run did not return after its context ended")
	}

	off := newPageReleaser(false)
	off.kick()
	off.run(ctx, logger) // returns at once
}

// TestReleaseStartupPagesFlag: on by default, the Prometheus-style
// --no- form turns it off, in `rosetta run` and `rosetta inject`.
func TestReleaseStartupPagesFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{nil, true},
		{[]string{"--no-runtime.release-startup-pages"}, false},
	} {
		c := newCLI(&bytes.Buffer{}, &bytes.Buffer{})
		if _, err := c.app.Parse(tc.args); err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if c.runFlags.releasePages != tc.want {
			t.Errorf("%v: release %v, want %v", tc.args, c.runFlags.releasePages, tc.want)
		}
		if got := newPageReleaser(c.runFlags.releasePages) != nil; got != tc.want {
			t.Errorf("%v: releaser %v, want %v", tc.args, got, tc.want)
		}
		// `rosetta inject` has the flag too.
		c = newCLI(&bytes.Buffer{}, &bytes.Buffer{})
		args := append([]string{"inject", "--tls.cert-file=c", "--tls.key-file=k"}, tc.args...)
		if _, err := c.app.Parse(args); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if c.inject.releasePages != tc.want {
			t.Errorf("%v: release %v, want %v", args, c.inject.releasePages, tc.want)
		}
	}
}
