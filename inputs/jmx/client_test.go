package jmx

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rosetta-adapter/rosetta/inputs/jmx/internal/javaser"
	"github.com/rosetta-adapter/rosetta/inputs/jmx/internal/rmi"
	"github.com/rosetta-adapter/rosetta/inputs/jmx/mbean"
	"github.com/rosetta-adapter/rosetta/internal/testutil"
)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestClientRealJVM(t *testing.T) {
	// Ping every connection on reuse, so that pings are exercised too.
	defer func(d time.Duration) { rmi.PingAfter = d }(rmi.PingAfter)
	rmi.PingAfter = 0
	j := startJVM(t, jvmOptions{})
	c := dialTest(t, j, nil)
	ctx := ctxT(t)

	t.Run("queryNames", func(t *testing.T) {
		names, err := c.QueryNames(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{
			"com.example:type=Types,name=all",
			`com.example:type=Stats,zone=eu,app="my app"`,
			"com.example:type=Model",
			"java.lang:type=Memory",
		} {
			if !slices.Contains(names, want) {
				t.Errorf("queryNames lacks %s (registration key order); got %v", want, names)
			}
		}
		some, err := c.QueryNames(ctx, "com.example:type=Types,*")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"com.example:type=Types,name=all"}, some); diff != "" {
			t.Errorf("pattern query (-want +got):\n%s", diff)
		}
	})

	t.Run("MBeanInfo", func(t *testing.T) {
		info, err := c.MBeanInfo(ctx, "com.example:type=Types,name=all")
		if err != nil {
			t.Fatal(err)
		}
		byName := map[string]rmi.AttributeInfo{}
		for _, a := range info.Attributes {
			byName[a.Name] = a
		}
		if a := byName["Count"]; a.Type != "int" || !a.Readable || !a.Writable {
			t.Errorf("Count: %+v", a)
		}
		if a := byName["Enabled"]; a.Type != "boolean" || !a.Is {
			t.Errorf("Enabled: %+v", a)
		}
		if len(info.Attributes) != 29 {
			t.Errorf("%d attributes, want 29", len(info.Attributes))
		}
		mi, err := c.MBeanInfo(ctx, "com.example:type=Model")
		if err != nil {
			t.Fatal(err)
		}
		if len(mi.Attributes) != 1 || mi.Attributes[0].Name != "Size" || mi.Attributes[0].Description != "the size" {
			t.Errorf("model MBean info %+v", mi)
		}
	})

	t.Run("Attributes", func(t *testing.T) {
		info, err := c.MBeanInfo(ctx, "com.example:type=Types,name=all")
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, a := range info.Attributes {
			names = append(names, a.Name)
		}
		attrs, err := c.Attributes(ctx, "com.example:type=Types,name=all", names)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, a := range attrs {
			got[a.Name] = mbean.JavaString(a.Value)
		}
		want := map[string]string{
			"ByteValue": "-7", "ShortValue": "1234", "IntValue": "-123456",
			"LongValue": "9007199254740993", "FloatValue": "0.1", "DoubleValue": "2.5",
			"BigDouble": "1.7E9", "TinyDouble": "1.0E-4", "NaNValue": "NaN", "BoxedInt": "17",
			"Enabled": "true", "BoxedFalse": "false", "Text": `héllo "world"`, "NullText": "null",
			"BigDecimal": "12345.6789", "SmallDecimal": "1.23E-7",
			"BigInteger": "-123456789012345678901234567890",
			"AtomicLong": "77", "AtomicInteger": "-5", "Adder": "1000",
			"Started": "1.700000000123E9", "Mode": "STANDBY", "Count": "42",
			"LongArray": "[J", "StringArray": "[Ljava.lang.String;", "Uuid": "java.util.UUID",
			"Latency":    "javax.management.openmbean.CompositeDataSupport(compositeType=Latency,contents={count=1000, p50=1.5, p99=12.25})",
			"Requests":   "",
			"ByHostPort": "",
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("values (-want +got):\n%s", diff)
		}
		for _, a := range attrs {
			if a.Name == "ByHostPort" {
				tab := a.Value.(*mbean.Tabular)
				if len(tab.Rows) != 1 || tab.IndexNames[0] != "key" {
					t.Fatalf("ByHostPort %+v", tab)
				}
				k, ok := tab.Rows[0].Items["key"].(*mbean.Composite)
				if !ok || mbean.JavaString(k.Items["host"]) != "db1" {
					t.Errorf("composite index %+v", tab.Rows[0].Items)
				}
			}
		}
		v, err := c.Attribute(ctx, "com.example:type=Model", "Size")
		if err != nil {
			t.Fatal(err)
		}
		if mbean.JavaString(v) != "11" {
			t.Errorf("model Size %v", v)
		}
	})

	t.Run("limits", func(t *testing.T) {
		// Replies over the byte limit fail their call only: the poll goes
		// on with the other beans.
		small := dialTest(t, j, func(o *rmi.Options) {
			o.Limits = javaser.DefaultLimits
			o.Limits.MaxBytes = 3000
		})
		s := &scraper{client: small, exporter: &Exporter{}, include: []string{"com.example:*"}, workers: 2}
		recs, st, err := s.scrape(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.beanErrors == 0 || st.beans == 0 {
			t.Errorf("stats %+v: want some beans over the limit and some read", st)
		}
		found := false
		for _, r := range recs {
			found = found || r.Match == "com.example<type=Model><>Size: 11"
		}
		if !found {
			t.Errorf("the small Model bean was not read: %d records", len(recs))
		}
	})

	t.Run("errors", func(t *testing.T) {
		_, err := c.MBeanInfo(ctx, "com.example:type=Missing")
		if !errors.Is(err, &javaser.RemoteError{Class: "javax.management.InstanceNotFoundException"}) {
			t.Errorf("got %v, want InstanceNotFoundException", err)
		}
		// The connection is still usable after a remote exception.
		if _, err := c.DefaultDomain(ctx); err != nil {
			t.Error(err)
		}
		// A value that is not serializable aborts the reply mid-stream.
		_, err = c.Attributes(ctx, "com.example:type=Bad", []string{"Good", "Unserializable"})
		var ab *rmi.AbortedError
		if !errors.As(err, &ab) || !isRemote(err) || !errors.Is(err, &javaser.RemoteError{Class: "java.io.NotSerializableException"}) {
			t.Errorf("got %v, want an aborted reply with NotSerializableException", err)
		}
		v, err := c.Attribute(ctx, "com.example:type=Bad", "Good")
		if err != nil || mbean.JavaString(v) != "5" {
			t.Errorf("Good after an aborted reply: %v, %v", v, err)
		}
		_, err = c.Attribute(ctx, "com.example:type=Bad", "Broken")
		if !errors.Is(err, &javaser.RemoteError{Class: "java.lang.IllegalStateException"}) {
			t.Errorf("Broken: got %v", err)
		}
	})
}

func TestClientAuth(t *testing.T) {
	j := startJVM(t, jvmOptions{username: "monitor", password: "s3cret"})
	ctx := ctxT(t)
	for _, tc := range []struct {
		name, user, pass string
		ok               bool
	}{
		{"good", "monitor", "s3cret", true},
		{"wrong password", "monitor", "nope", false},
		{"no credentials", "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := rmi.Dial(ctx, rmi.Options{Host: "127.0.0.1", Port: j.port, OverrideStubHost: true, Username: tc.user, Password: tc.pass})
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				defer func() { _ = c.Close(ctx) }()
				if _, err := c.QueryNames(ctx, "java.lang:type=Memory"); err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, mbean.ErrAuth) {
				t.Fatalf("got %v, want ErrAuth", err)
			}
			t.Log(err)
		})
	}
}

// TestClientLeaseRenewal holds a connection for longer than a short DGC
// lease: without renewal the server unexports it after about 6 s.
func TestClientLeaseRenewal(t *testing.T) {
	j := startJVM(t, jvmOptions{props: []string{"-Djava.rmi.dgc.leaseValue=2000"}})
	renewals := make(chan error, 100)
	c := dialTest(t, j, func(o *rmi.Options) { o.LeaseRenewed = func(err error) { renewals <- err } })
	if c.Lease() != 2*time.Second {
		t.Fatalf("lease %v, want the server's 2s", c.Lease())
	}
	ctx := ctxT(t)
	deadline := time.Now().Add(8 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := c.DefaultDomain(ctx); err != nil {
			t.Fatalf("after %v: %v", 8*time.Second-time.Until(deadline), err)
		}
		time.Sleep(time.Second)
	}
	n := 0
	for len(renewals) > 0 {
		if err := <-renewals; err != nil {
			t.Errorf("renewal: %v", err)
		}
		n++
	}
	if n < 4 {
		t.Errorf("%d renewals in 8s of a 2s lease", n)
	}
}

// TestClientStubHost: the stub advertises a host that does not resolve
// (java.rmi.server.hostname); the override dials the configured host.
func TestClientStubHost(t *testing.T) {
	j := startJVM(t, jvmOptions{props: []string{"-Djava.rmi.server.hostname=wrong-host.invalid"}})
	ctx := ctxT(t)
	c := dialTest(t, j, nil)
	if c.Server().Host != "wrong-host.invalid" {
		t.Errorf("stub host %q", c.Server().Host)
	}
	if _, err := c.QueryNames(ctx, "java.lang:*"); err != nil {
		t.Fatal(err)
	}
	_, err := rmi.Dial(ctx, rmi.Options{Host: "127.0.0.1", Port: j.port, OverrideStubHost: false, DialTimeout: 2 * time.Second})
	if err == nil {
		t.Fatal("dialing the advertised host succeeded")
	}
	t.Log(err)
}

// makeKeystore creates a PKCS12 keystore with a self-signed certificate
// for 127.0.0.1 and returns its path and the certificate's PEM path.
func makeKeystore(t *testing.T) (keystore, certPEM string) {
	t.Helper()
	keytool := javaTool(t, "keytool")
	dir := t.TempDir()
	keystore = filepath.Join(dir, "ks.p12")
	certPEM = filepath.Join(dir, "cert.pem")
	for _, args := range [][]string{
		{"-genkeypair", "-alias", "jmx", "-keyalg", "EC", "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
			"-validity", "2", "-keystore", keystore, "-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit"},
		{"-exportcert", "-rfc", "-alias", "jmx", "-keystore", keystore, "-storepass", "changeit", "-file", certPEM},
	} {
		if out, err := exec.Command(keytool, args...).CombinedOutput(); err != nil {
			t.Fatalf("keytool %s: %v\n%s", args[0], err, out)
		}
	}
	return keystore, certPEM
}

// TestClientTLS: jmxremote.ssl=true puts SslRMIClientSocketFactory in the
// stubs (TLS to the RMI server); registry.ssl=true also on the registry.
func TestClientTLS(t *testing.T) {
	ks, cert := makeKeystore(t)
	props := []string{"-Djavax.net.ssl.keyStore=" + ks, "-Djavax.net.ssl.keyStorePassword=changeit", "-Djavax.net.ssl.keyStoreType=PKCS12"}
	tcfg := TLSConfig{CAFile: cert}
	tlsc, err := tcfg.build()
	if err != nil {
		t.Fatal(err)
	}
	for _, registrySSL := range []bool{false, true} {
		t.Run(fmt.Sprintf("registry_ssl=%v", registrySSL), func(t *testing.T) {
			j := startJVM(t, jvmOptions{props: props, rmiPort: testutil.FreePort(t), agent: []string{
				"jmxremote.ssl=true", "jmxremote.registry.ssl=" + strconv.FormatBool(registrySSL)}})
			c := dialTest(t, j, func(o *rmi.Options) { o.TLS = tlsc; o.RegistrySSL = registrySSL })
			if !c.Server().SSL || !strings.Contains(c.Server().Factory, "SslRMIClientSocketFactory") {
				t.Errorf("stub %+v: no SSL socket factory", c.Server())
			}
			names, err := c.QueryNames(ctxT(t), "com.example:*")
			if err != nil || len(names) != 4 {
				t.Fatalf("%v %v", names, err)
			}
			// Without the CA the handshake fails.
			_, err = rmi.Dial(ctxT(t), rmi.Options{Host: "127.0.0.1", Port: j.port, OverrideStubHost: true, RegistrySSL: registrySSL, TLS: &tls.Config{}})
			if err == nil || !strings.Contains(err.Error(), "certificate") {
				t.Errorf("untrusted certificate: got %v", err)
			}
		})
	}
}

// writeClientCert creates a self-signed client certificate and key (PEM)
// and a PKCS12 truststore holding the certificate, for the JVM.
func writeClientCert(t *testing.T) (certPEM, keyPEM, truststore string) {
	t.Helper()
	dir := t.TempDir()
	certPEM, keyPEM, _ = testutil.SelfSigned(t, dir, "client.pem", "client.key")
	truststore = filepath.Join(dir, "trust.p12")
	out, err := exec.Command(javaTool(t, "keytool"), "-importcert", "-noprompt", "-alias", "rosetta", "-file", certPEM,
		"-keystore", truststore, "-storetype", "PKCS12", "-storepass", "changeit").CombinedOutput()
	if err != nil {
		t.Fatalf("keytool -importcert: %v\n%s", err, out)
	}
	return certPEM, keyPEM, truststore
}

// TestClientTLSClientAuth: jmxremote.ssl.need.client.auth=true; the client
// certificate from tls.cert_file/key_file is accepted, no certificate is
// refused.
func TestClientTLSClientAuth(t *testing.T) {
	ks, serverCA := makeKeystore(t)
	cert, key, trust := writeClientCert(t)
	j := startJVM(t, jvmOptions{
		props: []string{"-Djavax.net.ssl.keyStore=" + ks, "-Djavax.net.ssl.keyStorePassword=changeit", "-Djavax.net.ssl.keyStoreType=PKCS12",
			"-Djavax.net.ssl.trustStore=" + trust, "-Djavax.net.ssl.trustStorePassword=changeit", "-Djavax.net.ssl.trustStoreType=PKCS12"},
		rmiPort: testutil.FreePort(t),
		agent:   []string{"jmxremote.ssl=true", "jmxremote.ssl.need.client.auth=true"},
	})
	withCert := TLSConfig{CAFile: serverCA, CertFile: cert, KeyFile: key}
	tc, err := withCert.build()
	if err != nil {
		t.Fatal(err)
	}
	c := dialTest(t, j, func(o *rmi.Options) { o.TLS = tc })
	if _, err := c.QueryNames(ctxT(t), "java.lang:type=Memory"); err != nil {
		t.Fatal(err)
	}
	noCert := TLSConfig{CAFile: serverCA}
	tc2, _ := noCert.build()
	if _, err := rmi.Dial(ctxT(t), rmi.Options{Host: "127.0.0.1", Port: j.port, OverrideStubHost: true, TLS: tc2}); err == nil {
		t.Error("a client without a certificate was accepted")
	}
}
