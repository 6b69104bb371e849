package inject

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestCertReload: a renewed certificate (cert-manager rewrites the
// Secret, the kubelet the mounted files) is served without a restart; a
// pair that does not load (written half-way) keeps the old one serving.
func TestCertReload(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, _ := certFiles(t, dir)
	cfg, err := TLSConfig(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	first, err := cfg.GetCertificate(nil)
	if err != nil {
		t.Fatal(err)
	}
	later := func(path string, step time.Duration) {
		if err := os.Chtimes(path, time.Now().Add(step), time.Now().Add(step)); err != nil {
			t.Fatal(err)
		}
	}

	// A new pair.
	other := t.TempDir()
	c2, k2, _ := certFiles(t, other)
	for src, dst := range map[string]string{c2: certFile, k2: keyFile} {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	later(certFile, time.Minute)
	second, err := cfg.GetCertificate(nil)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(first.Certificate[0], second.Certificate[0]) {
		t.Fatal("the renewed certificate is not served")
	}

	// A certificate without its key (half-way through a renewal).
	c3, _, _ := certFiles(t, t.TempDir())
	data, _ := os.ReadFile(c3)
	if err := os.WriteFile(certFile, data, 0o600); err != nil {
		t.Fatal(err)
	}
	later(certFile, 2*time.Minute)
	third, err := cfg.GetCertificate(nil)
	if err != nil || !bytes.Equal(third.Certificate[0], second.Certificate[0]) {
		t.Errorf("a pair that does not match: got err %v, a different certificate %v; want the previous one served", err, err == nil && !bytes.Equal(third.Certificate[0], second.Certificate[0]))
	}
	if _, err := TLSConfig(filepath.Join(dir, "missing.crt"), keyFile); err == nil {
		t.Error("a missing certificate file is accepted")
	}
}
