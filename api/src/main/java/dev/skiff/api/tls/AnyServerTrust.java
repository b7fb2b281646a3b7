package dev.skiff.api.tls;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Go's InsecureSkipVerify: a TLS client that accepts any server certificate, for the places upstream
 * does the same - the API server scraping kubelets (their serving certificates are self-signed),
 * https probes, and the agent fetching the CA it then checks against the join token's hash.
 * Extended, so the JDK adds no host name check of its own either.
 */
public final class AnyServerTrust extends X509ExtendedTrustManager {
    private AnyServerTrust() {
    }

    /** A TLS context trusting any server, presenting {@code keys} (null: no client certificate). */
    public static SSLContext sslContext(KeyManager[] keys) throws GeneralSecurityException {
        var ssl = SSLContext.getInstance("TLS");
        ssl.init(keys, new TrustManager[] {new AnyServerTrust()}, new SecureRandom());
        return ssl;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
