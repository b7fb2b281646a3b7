package dev.skiff.apiserver.authn;

import java.security.cert.X509Certificate;
import java.util.List;

/**
 * What a request presents to prove who sent it: the client certificate chain from the TLS
 * handshake (empty when none) and the Authorization header (null when absent).
 */
public record Credentials(List<X509Certificate> peerCertificates, String authorization) {
    public Credentials {
        peerCertificates = List.copyOf(peerCertificates);
    }
}
