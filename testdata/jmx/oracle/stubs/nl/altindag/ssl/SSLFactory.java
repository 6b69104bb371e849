package nl.altindag.ssl;

import java.nio.file.Path;

/**
 * Compile-time stand-in for the SSL library jmx_exporter's collector uses
 * for its `ssl:` settings (not on this machine). The oracle runs without
 * SSL; any use fails loudly.
 */
public final class SSLFactory {
    public static Builder builder() {
        throw new UnsupportedOperationException("the Rosetta oracle build has no SSL support");
    }

    public static final class Builder {
        public Builder withDefaultTrustMaterial() { return this; }
        public Builder withIdentityMaterial(Path p, char[] pw, String type) { return this; }
        public Builder withTrustMaterial(Path p, char[] pw, String type) { return this; }
        public Builder withProtocols(String... p) { return this; }
        public Builder withCiphers(String... c) { return this; }
        public Builder withSystemPropertyDerivedIdentityMaterial() { return this; }
        public Builder withSystemPropertyDerivedTrustMaterial() { return this; }
        public Builder withSystemPropertyDerivedProtocols() { return this; }
        public Builder withSystemPropertyDerivedCiphers() { return this; }
        public SSLFactory build() { return new SSLFactory(); }
    }
}
