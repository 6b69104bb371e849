package jmx

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rosetta-adapter/rosetta/inputs"
	"github.com/rosetta-adapter/rosetta/inputs/jmx/internal/rmi"
	"github.com/rosetta-adapter/rosetta/internal/testutil"
)

// keytool runs the JDK's keytool.
func keytool(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command(javaTool(t, "keytool"), args...).CombinedOutput(); err != nil {
		t.Fatalf("keytool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// TestJMXExporterSSLKeyStores: jmx_exporter's ssl map with a keyStore
// (the client's identity) and a trustStore (the server's certificate), in
// JKS and in PKCS12, against a JVM that needs a client certificate on the
// registry and the RMI server.
func TestJMXExporterSSLKeyStores(t *testing.T) {
	dir := t.TempDir()
	serverKS, serverCert := makeKeystore(t)
	serverTrust := filepath.Join(dir, "server-trust.p12")
	stores := map[string]string{}
	for _, typ := range []string{"JKS", "PKCS12"} {
		ext := map[string]string{"JKS": ".jks", "PKCS12": ".p12"}[typ]
		client := filepath.Join(dir, "client-"+typ+ext)
		trust := filepath.Join(dir, "trust-"+typ+ext)
		cert := filepath.Join(dir, "client-"+typ+".pem")
		keytool(t, "-genkeypair", "-alias", "client", "-keyalg", "EC", "-dname", "CN=client-"+typ, "-validity", "2",
			"-keystore", client, "-storetype", typ, "-storepass", "secret1", "-keypass", "secret1")
		keytool(t, "-exportcert", "-rfc", "-alias", "client", "-keystore", client, "-storepass", "secret1", "-file", cert)
		keytool(t, "-importcert", "-noprompt", "-alias", "client-"+typ, "-file", cert, "-keystore", serverTrust,
			"-storetype", "PKCS12", "-storepass", "changeit")
		keytool(t, "-importcert", "-noprompt", "-alias", "server", "-file", serverCert, "-keystore", trust,
			"-storetype", typ, "-storepass", "secret2")
		stores[typ+"/client"], stores[typ+"/trust"] = client, trust
	}
	j := startJVM(t, jvmOptions{
		props: []string{"-Djavax.net.ssl.keyStore=" + serverKS, "-Djavax.net.ssl.keyStorePassword=changeit", "-Djavax.net.ssl.keyStoreType=PKCS12",
			"-Djavax.net.ssl.trustStore=" + serverTrust, "-Djavax.net.ssl.trustStorePassword=changeit", "-Djavax.net.ssl.trustStoreType=PKCS12"},
		rmiPort: testutil.FreePort(t),
		agent:   []string{"jmxremote.ssl=true", "jmxremote.registry.ssl=true", "jmxremote.ssl.need.client.auth=true"},
	})
	t.Setenv("RMI_REGISTRY_SSL_DISABLED", "")
	for _, tc := range []struct {
		name, ssl, wantErr string
	}{
		{name: "JKS", ssl: `
  enabled: true
  keyStore: {filename: ` + stores["JKS/client"] + `, password: secret1, type: JKS}
  trustStore: {filename: ` + stores["JKS/trust"] + `, password: secret2}
  protocols: "TLSv1.2, TLSv1.3"`},
		{name: "PKCS12", ssl: `
  enabled: true
  keyStore: {filename: ` + stores["PKCS12/client"] + `, password: secret1, type: PKCS12}
  trustStore: {filename: ` + stores["PKCS12/trust"] + `, password: secret2, type: pkcs12}
  protocols: [TLSv1.3]`},
		{name: "wrong password", ssl: `
  enabled: true
  keyStore: {filename: ` + stores["PKCS12/client"] + `, password: nope}`, wantErr: "tls key_store"},
		{name: "wrong type", ssl: `
  enabled: true
  keyStore: {filename: ` + stores["PKCS12/client"] + `, password: secret1, type: JKS}`, wantErr: `key store type "JKS", but the file is PKCS12`},
		{name: "unknown protocol", ssl: `
  enabled: true
  protocols: [SSLv3]`, wantErr: `"SSLv3" is not supported`},
		{name: "no client certificate", ssl: `
  enabled: true
  trustStore: {filename: ` + stores["JKS/trust"] + `, password: secret2}`, wantErr: "dial"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "jmx.yml")
			data := "hostPort: 127.0.0.1:" + itoa(j.port) + "\nssl:" + tc.ssl + "\n"
			if err := os.WriteFile(file, []byte(data), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := decodeYAML(t, "jmx_exporter_config: "+file)
			if err == nil {
				err = cfg.Validate()
			}
			if err == nil {
				if !cfg.RegistrySSL {
					t.Fatal("ssl.enabled did not put TLS on the registry")
				}
				d, derr := New(inputs.Settings{Name: "ssl"}, cfg)
				if derr != nil {
					t.Fatal(derr)
				}
				opts, oerr := d.options()
				if oerr != nil {
					t.Fatal(oerr)
				}
				opts.DialTimeout = 10 * time.Second
				var c *rmi.Client
				if c, err = rmi.Dial(ctxT(t), opts); err == nil {
					defer c.Close(ctxT(t))
					_, err = c.QueryNames(ctxT(t), "java.lang:type=Memory")
				} else {
					err = &dialError{err}
				}
			}
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatal(err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("got %v, want an error with %q", err, tc.wantErr)
			}
		})
	}
}

type dialError struct{ err error }

func (e *dialError) Error() string { return "dial: " + e.err.Error() }

// TestResolveEnv: jmx_exporter's VariableResolver, exactly.
func TestResolveEnv(t *testing.T) {
	t.Setenv("ROSETTA_TEST_USER", "  monitor ")
	t.Setenv("ROSETTA_TEST_BLANK", "  ")
	for in, want := range map[string]string{
		"plain":                    "plain",
		"${ROSETTA_TEST_USER}":     "monitor",
		" ${ ROSETTA_TEST_USER } ": "monitor",
		"pre${ROSETTA_TEST_USER}":  "pre${ROSETTA_TEST_USER}",
		"${}":                      "${}",
		"${ROSETTA_TEST_UNSET}":    "error: not defined",
		"${ROSETTA_TEST_BLANK}":    "error: is empty",
		"${ }":                     "error: invalid environment variable name",
	} {
		got, err := resolveEnv(in)
		if err != nil {
			got = "error: " + err.Error()
		}
		if !strings.HasPrefix(got, want) && !(strings.HasPrefix(want, "error: ") && strings.Contains(got, strings.TrimPrefix(want, "error: "))) {
			t.Errorf("resolveEnv(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestJMXExporterTimingKeys: startDelaySeconds and scrapeTimeoutSeconds,
// unless the input sets start_delay or timeout itself.
func TestJMXExporterTimingKeys(t *testing.T) {
	file := filepath.Join(t.TempDir(), "jmx.yml")
	if err := os.WriteFile(file, []byte("hostPort: h:1\nstartDelaySeconds: 7\nscrapeTimeoutSeconds: 3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := decodeYAML(t, "jmx_exporter_config: "+file)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.StartDelay != 7*time.Second || cfg.Timeout != 3*time.Second || !cfg.KeepSeriesOnTimeout {
		t.Errorf("start delay %v, timeout %v, keep series on timeout %v; want 7s, 3s, true", cfg.StartDelay, cfg.Timeout, cfg.KeepSeriesOnTimeout)
	}
	if rf := cfg.RuleFiles(); len(rf) != 1 || rf[0].File != file || rf[0].Format != "jmx_exporter" {
		t.Errorf("rule files %+v", rf)
	}
	cfg, err = decodeYAML(t, "jmx_exporter_config: "+file+"\ntimeout: 9s\nstart_delay: 0s\ninterval: 10s\nkeep_series_on_timeout: false\n")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.StartDelay != 0 || cfg.Timeout != 9*time.Second || cfg.KeepSeriesOnTimeout {
		t.Errorf("start delay %v, timeout %v, keep series on timeout %v; want the input's 0s, 9s, false", cfg.StartDelay, cfg.Timeout, cfg.KeepSeriesOnTimeout)
	}
	for data, want := range map[string]string{
		"hostPort: h:1\nstartDelaySeconds: -1\n":                            "startDelaySeconds must be non-negative",
		"hostPort: h:1\nscrapeTimeoutSeconds: 0\n":                          "scrapeTimeoutSeconds must be at least 1",
		"hostPort: h:1\njmxUrl: service:jmx:rmi:///jndi/rmi://h:1/jmxrmi\n": "at most one of hostPort and jmxUrl",
	} {
		if err := os.WriteFile(file, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := decodeYAML(t, "jmx_exporter_config: "+file); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", data, err, want)
		}
	}
}

// TestAttributeFilter: jmx_exporter's ObjectNameAttributeFilter. Once an
// include is given, only the attributes it names are read, of every bean;
// excludes always apply.
func TestAttributeFilter(t *testing.T) {
	f, err := newAttributeFilter(map[string][]string{"a:type=X,name=Y": {"Count"}}, map[string][]string{"b:type=Z": {"Secret"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		bean, attr string
		keep       bool
	}{
		{"a:name=Y,type=X", "Count", true},
		{"a:name=Y,type=X", "Other", false},
		{"b:type=Z", "Public", false}, // not included
		{"b:type=Z", "Secret", false},
	} {
		cn, err := canonicalName(tc.bean)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.keep(cn, tc.attr); got != tc.keep {
			t.Errorf("keep(%s, %s) = %v, want %v", tc.bean, tc.attr, got, tc.keep)
		}
	}
	f, _ = newAttributeFilter(nil, map[string][]string{"b:type=Z": {"Secret"}})
	if cn, _ := canonicalName("b:type=Z"); !f.keep(cn, "Public") || f.keep(cn, "Secret") {
		t.Error("excludes alone must keep what they do not name")
	}
}
