package pprofhttp

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func server(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	Register(mux, "/debug/pprof/")
	s := httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func get(t *testing.T, url string) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.Get(url) //nolint:gosec // G107: the test server's URL
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, body
}

// goPprof has `go tool pprof`, the profiles' consumer, read a profile and
// returns its -raw output.
func goPprof(t *testing.T, profile []byte) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "profile.pb.gz")
	if err := os.WriteFile(file, profile, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("go", "tool", "pprof", "-raw", file).CombinedOutput()
	if err != nil {
		t.Fatalf("go tool pprof -raw: %v\n%s", err, out)
	}
	return string(out)
}

// TestProfilesReadByGoToolPprof: the protocol buffer profiles are what go
// tool pprof reads.
func TestProfilesReadByGoToolPprof(t *testing.T) {
	s := server(t)
	for _, tc := range []struct{ path, want string }{
		{"/debug/pprof/heap", "alloc_space/bytes"},
		{"/debug/pprof/heap?gc=1", "inuse_space/bytes"},
		{"/debug/pprof/goroutine", "goroutine/count"},
		{"/debug/pprof/allocs", "alloc_objects/count"},
		{"/debug/pprof/profile?seconds=0.5", "cpu/nanoseconds"},
	} {
		code, h, body := get(t, s.URL+tc.path)
		if code != http.StatusOK || h.Get("Content-Type") != "application/octet-stream" {
			t.Errorf("%s: %d %q", tc.path, code, h.Get("Content-Type"))
			continue
		}
		if out := goPprof(t, body); !strings.Contains(out, tc.want) {
			t.Errorf("%s: go tool pprof -raw has no %q:\n%.500s", tc.path, tc.want, out)
		}
	}
}

func TestTextAndPages(t *testing.T) {
	s := server(t)
	for _, tc := range []struct {
		path, contentType string
		want              []string
	}{
		{"/debug/pprof/", "text/html; charset=utf-8", []string{`href="heap?debug=1"`, `href="goroutine?debug=1"`, `href="profile?seconds=30"`}},
		{"/debug/pprof/goroutine?debug=1", "text/plain; charset=utf-8", []string{"goroutine profile: total"}},
		{"/debug/pprof/goroutine?debug=2", "text/plain; charset=utf-8", []string{"goroutine ", "[running]"}},
		{"/debug/pprof/heap?debug=1", "text/plain; charset=utf-8", []string{"heap profile:", "# HeapAlloc"}},
		{"/debug/pprof/cmdline", "text/plain; charset=utf-8", []string{os.Args[0]}},
	} {
		code, h, body := get(t, s.URL+tc.path)
		if code != http.StatusOK || h.Get("Content-Type") != tc.contentType {
			t.Errorf("%s: %d %q, want 200 %q", tc.path, code, h.Get("Content-Type"), tc.contentType)
		}
		for _, w := range tc.want {
			if !strings.Contains(string(body), w) {
				t.Errorf("%s: no %q in:\n%.500s", tc.path, w, body)
			}
		}
	}
}

func TestBadRequests(t *testing.T) {
	s := server(t)
	for _, tc := range []struct {
		path string
		code int
		want string
	}{
		{"/debug/pprof/nosuch", 404, `unknown profile "nosuch"`},
		{"/debug/pprof/heap?seconds=5", 400, "go tool pprof -base"},
		{"/debug/pprof/heap?debug=x", 400, `debug="x"`},
		{"/debug/pprof/profile?seconds=0", 400, `seconds="0"`},
		{"/debug/pprof/profile?seconds=abc", 400, `seconds="abc"`},
		{"/debug/pprof/profile?seconds=-1", 400, `seconds="-1"`},
		{"/debug/pprof/trace?seconds=1", 404, `unknown profile "trace"`},
	} {
		code, _, body := get(t, s.URL+tc.path)
		if code != tc.code || !strings.Contains(string(body), tc.want) {
			t.Errorf("%s: %d %q, want %d with %q", tc.path, code, body, tc.code, tc.want)
		}
	}
}
