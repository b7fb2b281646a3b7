package dev.skiff.apiserver.pki;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;

/** A certificate and the private key of its subject. */
public record CertifiedKey(X509Certificate certificate, PrivateKey key) {

    /** This certificate and key as what a TLS client shows its servers. */
    public KeyManager[] keyManagers() {
        try {
            char[] password = new char[0];
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("client", key, password, new X509Certificate[] {certificate});
            var factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(keys, password);
            return factory.getKeyManagers();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build a key manager for " + certificate.getSubjectX500Principal(), e);
        }
    }
}
