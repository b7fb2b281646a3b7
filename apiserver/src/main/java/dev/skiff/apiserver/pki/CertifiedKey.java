package dev.skiff.apiserver.pki;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;

/** A certificate and the private key of its subject. */
public record CertifiedKey(X509Certificate certificate, PrivateKey key) {
}
