package dev.skiff.apiserver.authn;

import java.security.cert.X509Certificate;
import java.util.List;

/**
 * What a request presents to prove who sent it: the client certificate chain from the TLS
 * handshake (empty when none) and the Authorization header (null when absent). {@code audiences}
 * are the ones the token must be meant for (a TokenReview's spec.audiences); empty means the API
 * server's own, as upstream's audience-aware authenticators read them from the request context.
 */
public record Credentials(List<X509Certificate> peerCertificates, String authorization, List<String> audiences) {
    public Credentials {
        peerCertificates = List.copyOf(peerCertificates);
        audiences = audiences == null ? List.of() : List.copyOf(audiences);
    }

    public Credentials(List<X509Certificate> peerCertificates, String authorization) {
        this(peerCertificates, authorization, List.of());
    }

    /** The bearer token of the Authorization header, or null when there is none. */
    public String bearerToken() {
        if (authorization == null || authorization.length() < 7
                || !authorization.substring(0, 7).toLowerCase(java.util.Locale.ROOT).equals("bearer ")) {
            return null;
        }
        String token = authorization.substring(7).strip();
        return token.isEmpty() ? null : token;
    }
}
