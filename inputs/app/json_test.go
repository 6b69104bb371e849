package app

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The json type end to end: the selection from testdata/app/json as an
// input config (with basic auth and a POST body), a real HTTP server, and
// the golden records.
func TestJSONInput(t *testing.T) {
	doc, err := os.ReadFile("../../testdata/app/json/service.json")
	if err != nil {
		t.Fatal(err)
	}
	sel, err := os.ReadFile("../../testdata/app/json/selection.yml")
	if err != nil {
		t.Fatal(err)
	}
	golden, err := os.ReadFile("../../testdata/app/json/service.records")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || u != "mon" || p != "pw" || r.Method != "POST" || r.Header.Get("X-Team") != "core" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(doc)
	}))
	defer srv.Close()
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/pw", []byte("pw\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfgText := fmt.Sprintf("targets: [%q]\ninterval: 100ms\nmethod: POST\nbody: '{\"query\": \"stats\"}'\nheaders: {X-Team: core}\nbasic_auth: {username: mon, password_file: %s/pw}\n%s", srv.URL, dir, sel)
	f := factoryOf(t, "json")
	cfg := decodeTest(t, f, cfgText)
	rec, _ := startDriver(t, f, cfg)
	source := "app/" + srv.URL
	waitFor(t, "json records", func() bool { return len(rec.get(source)) > 0 })
	got := strings.Join(recordLines(rec.get(source)), "\n") + "\n"
	if diff := cmp.Diff(string(golden), got); diff != "" {
		t.Errorf("(-golden +got):\n%s", diff)
	}
}
