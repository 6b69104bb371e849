package nl.altindag.ssl.util;

import nl.altindag.ssl.SSLFactory;

/** Compile-time stand-in, see SSLFactory. */
public final class ProviderUtils {
    public static void configure(SSLFactory f) {
        throw new UnsupportedOperationException("the Rosetta oracle build has no SSL support");
    }

    public static void remove() {}
}
