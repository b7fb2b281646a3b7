package dev.skiff.apiserver.aggregator;

import java.io.ByteArrayInputStream;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * How the aggregator trusts an extension API server, as upstream's proxy transport: the serving
 * certificate must chain to the APIService's caBundle and name the service's DNS name
 * ({@code <name>.<namespace>.svc}) - the aggregator dials an endpoint's address, so the name is
 * checked here rather than against the address dialled.
 */
final class ServiceTrust extends X509ExtendedTrustManager {
    private final X509TrustManager chain;
    private final String serverName;

    private ServiceTrust(X509TrustManager chain, String serverName) {
        this.chain = chain;
        this.serverName = serverName.toLowerCase(Locale.ROOT);
    }

    /** A TLS context showing {@code client} and trusting what {@code caBundlePem} (null: the system's roots) signed for {@code serverName}. */
    static SSLContext sslContext(byte[] caBundlePem, String serverName, KeyManager[] client) throws GeneralSecurityException {
        var factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        if (caBundlePem == null) {
            factory.init((KeyStore) null); // no caBundle: the system's roots, as upstream
        } else {
            Collection<? extends java.security.cert.Certificate> cas =
                    CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(caBundlePem));
            if (cas.isEmpty()) {
                throw new GeneralSecurityException("the caBundle holds no certificate");
            }
            KeyStore store = KeyStore.getInstance("PKCS12");
            try {
                store.load(null, null);
            } catch (java.io.IOException e) {
                throw new GeneralSecurityException(e);
            }
            int i = 0;
            for (var ca : cas) {
                store.setCertificateEntry("ca-" + i++, ca);
            }
            factory.init(store);
        }
        X509TrustManager trust = (X509TrustManager) factory.getTrustManagers()[0];
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(client, new javax.net.ssl.TrustManager[] {new ServiceTrust(trust, serverName)}, null);
        return context;
    }

    private void check(X509Certificate[] certificates, String authType) throws CertificateException {
        chain.checkServerTrusted(certificates, authType);
        Collection<List<?>> names = certificates[0].getSubjectAlternativeNames();
        if (names != null) {
            for (List<?> name : names) {
                if (Integer.valueOf(2).equals(name.get(0)) && serverName.equals(String.valueOf(name.get(1)).toLowerCase(Locale.ROOT))) {
                    return;
                }
            }
        }
        throw new CertificateException("x509: certificate is not valid for " + serverName);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] certificates, String authType, Socket socket) throws CertificateException {
        check(certificates, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] certificates, String authType, SSLEngine engine) throws CertificateException {
        check(certificates, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] certificates, String authType) throws CertificateException {
        check(certificates, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] certificates, String authType, Socket socket) throws CertificateException {
        throw new CertificateException("not a server trust manager for clients");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] certificates, String authType, SSLEngine engine) throws CertificateException {
        throw new CertificateException("not a server trust manager for clients");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] certificates, String authType) throws CertificateException {
        throw new CertificateException("not a server trust manager for clients");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return chain.getAcceptedIssuers();
    }
}
