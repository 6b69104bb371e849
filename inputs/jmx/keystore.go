package jmx

import (
	"bytes"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"

	keystore "github.com/pavlo-v-chernykh/keystore-go/v4"
	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

// KeyStore is a Java key store file, as jmx_exporter's ssl.keyStore and
// ssl.trustStore name one: PKCS12 (Java's default since 9) or JKS. Like
// Java's own loader (keystore.type.compat), the file's format is taken
// from its content; Type, when set, must agree.
type KeyStore struct {
	File     string `yaml:"file"`
	Type     string `yaml:"type"`
	Password Secret `yaml:"password"`
}

// Magic numbers of Java's proprietary key store formats.
const (
	jksMagic   = 0xFEEDFEED
	jceksMagic = 0xCECECECE
)

// storeFormat tells a JKS file from PKCS12 by its first four bytes.
func storeFormat(data []byte) string {
	if len(data) >= 4 {
		switch binary.BigEndian.Uint32(data) {
		case jksMagic:
			return "JKS"
		case jceksMagic:
			return "JCEKS"
		}
	}
	return "PKCS12"
}

func (k *KeyStore) read() ([]byte, string, error) {
	data, err := os.ReadFile(k.File)
	if err != nil {
		return nil, "", err
	}
	format := storeFormat(data)
	switch t := strings.ToUpper(k.Type); {
	case format == "JCEKS":
		return nil, "", fmt.Errorf("%s: JCEKS key stores are not supported (convert with keytool -importkeystore -deststoretype PKCS12)", k.File)
	case t == "", t == format, t == "PKCS12" && format == "JKS":
		// Java's PKCS12 loader reads JKS files too.
	case t != "JKS" && t != "PKCS12":
		return nil, "", fmt.Errorf("%s: key store type %q is not supported (PKCS12 or JKS)", k.File, k.Type)
	default:
		return nil, "", fmt.Errorf("%s: key store type %q, but the file is %s", k.File, k.Type, format)
	}
	return data, format, nil
}

// certificate loads the one private key entry of the store with its
// certificate chain (jmx_exporter's keyStore: the client's identity).
func (k *KeyStore) certificate() (tls.Certificate, error) {
	data, format, err := k.read()
	if err != nil {
		return tls.Certificate{}, err
	}
	pw := string(k.Password)
	var (
		key   crypto.PrivateKey
		chain [][]byte
	)
	if format == "JKS" {
		ks := keystore.New()
		if err := ks.Load(bytes.NewReader(data), []byte(pw)); err != nil {
			return tls.Certificate{}, fmt.Errorf("%s: %w", k.File, err)
		}
		for _, alias := range ks.Aliases() {
			if !ks.IsPrivateKeyEntry(alias) {
				continue
			}
			if key != nil {
				return tls.Certificate{}, fmt.Errorf("%s: more than one private key entry", k.File)
			}
			e, err := ks.GetPrivateKeyEntry(alias, []byte(pw))
			if err != nil {
				return tls.Certificate{}, fmt.Errorf("%s: entry %q: %w", k.File, alias, err)
			}
			if key, err = x509.ParsePKCS8PrivateKey(e.PrivateKey); err != nil {
				return tls.Certificate{}, fmt.Errorf("%s: entry %q: %w", k.File, alias, err)
			}
			for _, c := range e.CertificateChain {
				chain = append(chain, c.Content)
			}
		}
		if key == nil {
			return tls.Certificate{}, fmt.Errorf("%s: no private key entry", k.File)
		}
	} else {
		pk, cert, cas, err := pkcs12.DecodeChain(data, pw)
		if err != nil {
			return tls.Certificate{}, fmt.Errorf("%s: %w", k.File, err)
		}
		key = pk
		chain = append(chain, cert.Raw)
		for _, c := range cas {
			chain = append(chain, c.Raw)
		}
	}
	if len(chain) == 0 {
		return tls.Certificate{}, fmt.Errorf("%s: the private key has no certificate", k.File)
	}
	leaf, err := x509.ParseCertificate(chain[0])
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("%s: %w", k.File, err)
	}
	return tls.Certificate{Certificate: chain, PrivateKey: key, Leaf: leaf}, nil
}

// certificates loads every certificate of the store: its trusted
// certificate entries and the chains of its key entries (jmx_exporter's
// trustStore).
func (k *KeyStore) certificates() ([]*x509.Certificate, error) {
	data, format, err := k.read()
	if err != nil {
		return nil, err
	}
	pw := string(k.Password)
	var out []*x509.Certificate
	if format == "JKS" {
		ks := keystore.New()
		if err := ks.Load(bytes.NewReader(data), []byte(pw)); err != nil {
			return nil, fmt.Errorf("%s: %w", k.File, err)
		}
		var ders [][]byte
		for _, alias := range ks.Aliases() {
			switch {
			case ks.IsTrustedCertificateEntry(alias):
				e, err := ks.GetTrustedCertificateEntry(alias)
				if err != nil {
					return nil, fmt.Errorf("%s: entry %q: %w", k.File, alias, err)
				}
				ders = append(ders, e.Certificate.Content)
			case ks.IsPrivateKeyEntry(alias):
				chain, err := ks.GetPrivateKeyEntryCertificateChain(alias)
				if err != nil {
					return nil, fmt.Errorf("%s: entry %q: %w", k.File, alias, err)
				}
				for _, c := range chain {
					ders = append(ders, c.Content)
				}
			}
		}
		for _, der := range ders {
			c, err := x509.ParseCertificate(der)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k.File, err)
			}
			out = append(out, c)
		}
	} else {
		certs, err := pkcs12.DecodeTrustStore(data, pw)
		if err != nil {
			// a store with a key entry: trust its chain
			_, cert, cas, err2 := pkcs12.DecodeChain(data, pw)
			if err2 != nil {
				return nil, fmt.Errorf("%s: %w", k.File, errors.Join(err, err2))
			}
			certs = append([]*x509.Certificate{cert}, cas...)
		}
		out = certs
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no certificates", k.File)
	}
	return out, nil
}

// tlsVersions are the names Java gives TLS versions (jdk.tls protocols).
var tlsVersions = map[string]uint16{
	"TLSv1": tls.VersionTLS10, "TLSv1.1": tls.VersionTLS11, "TLSv1.2": tls.VersionTLS12, "TLSv1.3": tls.VersionTLS13,
}

// applyProtocols sets the version range to the protocols listed.
func applyProtocols(cfg *tls.Config, protocols []string) error {
	for _, p := range protocols {
		v, ok := tlsVersions[p]
		if !ok {
			return fmt.Errorf("tls protocols: %q is not supported (TLSv1, TLSv1.1, TLSv1.2, TLSv1.3)", p)
		}
		if cfg.MinVersion == 0 || v < cfg.MinVersion {
			cfg.MinVersion = v
		}
		if v > cfg.MaxVersion {
			cfg.MaxVersion = v
		}
	}
	return nil
}

// applyCiphers restricts the TLS 1.0-1.2 cipher suites to those listed,
// by their standard names (which Java uses too). TLS 1.3 suites cannot be
// restricted in Go; naming them is accepted.
func applyCiphers(cfg *tls.Config, ciphers []string) error {
	if len(ciphers) == 0 {
		return nil
	}
	byName := map[string]uint16{}
	for _, cs := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		byName[cs.Name] = cs.ID
	}
	for _, c := range ciphers {
		if strings.HasPrefix(c, "TLS_AES_") || strings.HasPrefix(c, "TLS_CHACHA20_") {
			continue
		}
		id, ok := byName[c]
		if !ok {
			return fmt.Errorf("tls ciphers: %q is not a cipher suite Go supports", c)
		}
		cfg.CipherSuites = append(cfg.CipherSuites, id)
	}
	return nil
}
