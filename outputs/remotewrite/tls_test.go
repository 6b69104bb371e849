package remotewrite

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/crypto/bcrypt"

	"github.com/rosetta-adapter/rosetta/outputs/remotewrite/rwtest"
)

// selfSigned writes a certificate for 127.0.0.1 and its key to dir.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "rosetta-test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TestTLSAndBasicAuth sends to a Prometheus that serves HTTPS only and
// wants basic auth (its --web.config.file), with http_client_config's
// tls_config and basic_auth (password from a file); a wrong password is
// refused (401), not retried, and counted as failed.
func TestTLSAndBasicAuth(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)
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
