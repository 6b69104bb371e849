package remotewrite

import (
	"context"
	"crypto/tls"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/crypto/bcrypt"

	"github.com/rosetta-adapter/rosetta/internal/testutil"
	"github.com/rosetta-adapter/rosetta/outputs/remotewrite/rwtest"
)

// TestTLSAndBasicAuth sends to a Prometheus that serves HTTPS only and
// wants basic auth (its --web.config.file), with http_client_config's
// tls_config and basic_auth (password from a file); a wrong password is
// refused (401), not retried, and counted as failed.
func TestTLSAndBasicAuth(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := testutil.SelfSigned(t, dir, "cert.pem", "key.pem")
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	prom := rwtest.Start(t, rwtest.Options{
		WebConfig: fmt.Sprintf("tls_server_config:\n  cert_file: %s\n  key_file: %s\nbasic_auth_users:\n  rosetta: %s\n", certFile, keyFile, hash),
		TLS:       &tls.Config{RootCAs: pool},
		Username:  "rosetta", Password: "s3cret",
	})
	for _, tc := range []struct {
		name, password string
		ok             bool
	}{
		{"right password", "s3cret", true},
		{"wrong password", "guess", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pwFile := filepath.Join(t.TempDir(), "pw")
			if err := os.WriteFile(pwFile, []byte(tc.password), 0o600); err != nil {
				t.Fatal(err)
			}
			reg := prometheus.NewRegistry()
			g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "rw_tls_ok", Help: "x", ConstLabels: prometheus.Labels{"case": tc.name}})
			g.Set(7)
			reg.MustRegister(g)
			cfg := decodeOne(t, fmt.Sprintf(`
remote_write:
  - url: %s
    interval: 1h
    http_client_config:
      basic_auth: {username: rosetta, password_file: %s}
      tls_config: {ca_file: %s}
    queue: {min_backoff: 10ms, max_backoff: 50ms}
`, prom.WriteURL(), pwFile, certFile))
			m, self := startManager(t, reg, cfg)
			m.running[cfg.Name].snapshot()
			outcome := "failed"
			if tc.ok {
				outcome = "sent"
			}
			eventually(t, 30*time.Second, "outcome "+outcome, func() (bool, string) {
				v := selfValue(t, self, "rosetta_remote_write_samples_total", map[string]string{"outcome": outcome})
				return v == 1, fmt.Sprint(v)
			})
			res, err := prom.Query(context.Background(), fmt.Sprintf("rw_tls_ok{case=%q}", tc.name), time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			if tc.ok != (len(res) == 1) {
				t.Errorf("query result %v", res)
			}
			if !tc.ok {
				if got := selfValue(t, self, "rosetta_remote_write_requests_total", map[string]string{"code": "401"}); got != 1 {
					t.Errorf("requests_total{code=401} = %v, want 1", got)
				}
				if got := selfValue(t, self, "rosetta_remote_write_retries_total", nil); got != 0 {
					t.Errorf("retries %v after a 401", got)
				}
			}
		})
	}
}
