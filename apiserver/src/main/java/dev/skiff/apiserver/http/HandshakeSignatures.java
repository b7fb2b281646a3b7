package dev.skiff.apiserver.http;

import java.security.Security;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The TLS 1.2 handshake signatures the API server makes, as kube-apiserver 1.33 (Go 1.24 crypto/tls)
 * makes them. A TLS 1.2 client that sends no signature_algorithms extension - busybox wget's own TLS,
 * the one a busybox pod uses - can only check a ServerKeyExchange signed with SHA-1 (RFC 5246
 * 7.4.1.4.1); Go signs it so, while JDK 24 and later refuse SHA-1 handshake signatures
 * ({@code jdk.tls.disabledAlgorithms}) and end such a handshake with internal_error (alert 80).
 * Lifting that ban changes nothing for clients that list their algorithms: the JDK picks from their
 * list, where SHA-256 comes first.
 */
public final class HandshakeSignatures {
    static final String PROPERTY = "jdk.tls.disabledAlgorithms";
    /** The entries of JDK 24+'s default that keep SHA-1 out of handshake signatures; DSA stays out, as in Go. */
    private static final List<String> SHA1_HANDSHAKE_BANS = List.of(
            "ecdsa_sha1 usage handshakesignature", "rsa_pkcs1_sha1 usage handshakesignature");

    private HandshakeSignatures() {
    }

    /**
     * Lets JSSE sign with ecdsa_sha1/rsa_pkcs1_sha1 where the client offers nothing better. JSSE reads
     * the property once, when TLS is first used in the process, so this runs before any TLS: at the
     * start of the skiff program and before the API server builds its TLS context.
     */
    public static void allowSha1ForClientsWithoutSignatureAlgorithms() {
        String value = Security.getProperty(PROPERTY);
        if (value != null) {
            String lifted = withoutSha1HandshakeBans(value);
            if (!lifted.equals(value)) {
                Security.setProperty(PROPERTY, lifted);
            }
        }
    }

    /** {@code disabledAlgorithms} without the entries banning SHA-1 handshake signatures, the others kept in order. */
    static String withoutSha1HandshakeBans(String disabledAlgorithms) {
        var entries = Arrays.stream(disabledAlgorithms.split(",")).map(String::strip).filter(e -> !e.isEmpty()).toList();
        var kept = entries.stream().filter(e -> !SHA1_HANDSHAKE_BANS.contains(e.replaceAll("\\s+", " ").toLowerCase(Locale.ROOT))).toList();
        return kept.size() == entries.size() ? disabledAlgorithms : kept.stream().collect(Collectors.joining(", "));
    }
}
