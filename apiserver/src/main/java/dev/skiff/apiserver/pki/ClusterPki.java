package dev.skiff.apiserver.pki;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.RSAPublicKeySpec;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster CA and the certificates it issues for the API server, kept in one folder
 * ({@code <data-dir>/server/tls}). Created at first start and reused after; a leaf is issued
 * again when it is missing, not signed by the CA, close to expiry, or (serving) its names differ
 * from what is wanted now, as k3s does when --tls-san changes. Beside them the key pair that signs
 * service-account tokens ({@code sa.key}/{@code sa.pub}, RSA 2048 as kubeadm's): created once and
 * never replaced, since every issued token would stop working.
 */
public record ClusterPki(CertifiedKey ca, CertifiedKey serving, CertifiedKey admin, CertifiedKey kubeletClient,
                         KeyPair serviceAccountKey, CertifiedKey requestHeaderCa, CertifiedKey proxyClient) {
    private static final Logger log = LoggerFactory.getLogger(ClusterPki.class);

    public static final String ADMIN_USER = "system:admin";
    public static final String MASTERS_GROUP = "system:masters";
    static final Duration CA_VALIDITY = Duration.ofDays(3650);
    static final Duration LEAF_VALIDITY = Duration.ofDays(365);
    /** Leaves are renewed at start when they expire within this window (k3s: 90 days). */
    static final Duration RENEW_BEFORE = Duration.ofDays(90);

    static final String CA_CERT = "cluster-ca.crt";
    static final String CA_KEY = "cluster-ca.key";
    static final String SERVING_CERT = "serving-kube-apiserver.crt";
    static final String SERVING_KEY = "serving-kube-apiserver.key";
    static final String ADMIN_CERT = "client-admin.crt";
    static final String ADMIN_KEY = "client-admin.key";
    /** What the API server presents to kubelets (upstream: --kubelet-client-certificate; kubeadm's apiserver-kubelet-client). */
    static final String KUBELET_CLIENT_CERT = "client-kube-apiserver-kubelet.crt";
    static final String KUBELET_CLIENT_KEY = "client-kube-apiserver-kubelet.key";
    public static final String KUBELET_CLIENT_USER = "kube-apiserver-kubelet-client";
    /**
     * The front proxy's CA (upstream: --requestheader-client-ca-file) and the client certificate the aggregator
     * shows extension API servers (--proxy-client-cert-file), k3s's file and user names.
     */
    static final String REQUEST_HEADER_CA_CERT = "request-header-ca.crt";
    static final String REQUEST_HEADER_CA_KEY = "request-header-ca.key";
    static final String PROXY_CLIENT_CERT = "client-auth-proxy.crt";
    static final String PROXY_CLIENT_KEY = "client-auth-proxy.key";
    public static final String PROXY_CLIENT_USER = "system:auth-proxy";
    static final String SERVICE_ACCOUNT_KEY = "sa.key";
    static final String SERVICE_ACCOUNT_PUB = "sa.pub";
    private static final int SERVICE_ACCOUNT_KEY_BITS = 2048;

    public static ClusterPki loadOrCreate(Path dir, SubjectAltNames sans, Clock clock) {
        var issuer = new CertificateIssuer(clock, new SecureRandom());
        CertifiedKey ca = load(dir, CA_CERT, CA_KEY);
        boolean newCa = ca == null;
        if (newCa) {
            if (Files.exists(dir.resolve(CA_CERT)) || Files.exists(dir.resolve(CA_KEY))) {
                throw new IllegalStateException("incomplete cluster CA in " + dir + ": need both " + CA_CERT + " and " + CA_KEY
                        + "; refusing to replace it (every issued credential would stop working)");
            }
            ca = issuer.selfSignedCa("skiff-server-ca@" + clock.instant().getEpochSecond(), CA_VALIDITY);
            save(dir, CA_CERT, CA_KEY, ca);
            log.info("created cluster CA dir={} subject=\"{}\"", dir, ca.certificate().getSubjectX500Principal());
        }

        CertifiedKey serving = load(dir, SERVING_CERT, SERVING_KEY);
        String servingProblem = newCa ? "new CA" : problem(serving, ca, clock);
        if (servingProblem == null && !SubjectAltNames.of(serving.certificate()).equals(sans)) {
            servingProblem = "names changed";
        }
        if (servingProblem != null) {
            serving = issuer.serving(ca, "kube-apiserver", sans.dnsNames(), sans.ips(), LEAF_VALIDITY);
            save(dir, SERVING_CERT, SERVING_KEY, serving);
            log.info("issued serving certificate reason=\"{}\" dns={} ips={}", servingProblem, sans.dnsNames(),
                    sans.ips().stream().map(java.net.InetAddress::getHostAddress).toList());
        }

        CertifiedKey admin = clientCertificate(dir, ADMIN_CERT, ADMIN_KEY, ADMIN_USER, ca, newCa, issuer, clock);
        CertifiedKey kubeletClient = clientCertificate(dir, KUBELET_CLIENT_CERT, KUBELET_CLIENT_KEY, KUBELET_CLIENT_USER, ca, newCa,
                issuer, clock);
        CertifiedKey requestHeaderCa = load(dir, REQUEST_HEADER_CA_CERT, REQUEST_HEADER_CA_KEY);
        boolean newRequestHeaderCa = requestHeaderCa == null;
        if (newRequestHeaderCa) {
            requestHeaderCa = issuer.selfSignedCa("skiff-request-header-ca@" + clock.instant().getEpochSecond(), CA_VALIDITY);
            save(dir, REQUEST_HEADER_CA_CERT, REQUEST_HEADER_CA_KEY, requestHeaderCa);
            log.info("created request-header CA dir={}", dir);
        }
        CertifiedKey proxyClient = load(dir, PROXY_CLIENT_CERT, PROXY_CLIENT_KEY);
        String proxyProblem = newRequestHeaderCa ? "new CA" : problem(proxyClient, requestHeaderCa, clock);
        if (proxyProblem != null) {
            proxyClient = issuer.client(requestHeaderCa, PROXY_CLIENT_USER, List.of(), LEAF_VALIDITY);
            save(dir, PROXY_CLIENT_CERT, PROXY_CLIENT_KEY, proxyClient);
            log.info("issued front-proxy client certificate reason=\"{}\" user={}", proxyProblem, PROXY_CLIENT_USER);
        }
        return new ClusterPki(ca, serving, admin, kubeletClient, loadOrCreateServiceAccountKey(dir), requestHeaderCa, proxyClient);
    }

    /**
     * The service-account signing key pair in {@code dir}, created when neither file exists (the
     * control plane reads it before the API server starts; {@link #loadOrCreate} finds the same one).
     * A lost sa.pub is derived again from sa.key; a lost sa.key is refused.
     */
    public static synchronized KeyPair loadOrCreateServiceAccountKey(Path dir) {
        Path keyFile = dir.resolve(SERVICE_ACCOUNT_KEY);
        Path pubFile = dir.resolve(SERVICE_ACCOUNT_PUB);
        try {
            if (Files.exists(keyFile)) {
                KeyPair pair = readServiceAccountKey(keyFile);
                if (!Files.exists(pubFile) || !PemFiles.readPublicKey(pubFile).equals(pair.getPublic())) {
                    PemFiles.writePublicKey(pubFile, pair.getPublic());
                    log.info("wrote service-account public key file={}", pubFile);
                }
                return pair;
            }
            if (Files.exists(pubFile)) {
                throw new IllegalStateException("service-account key " + keyFile + " is missing but " + pubFile
                        + " exists; refusing to replace it (every issued token would stop working)");
            }
            var generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(SERVICE_ACCOUNT_KEY_BITS, new SecureRandom());
            KeyPair pair = generator.generateKeyPair();
            PemFiles.writeKey(keyFile, pair.getPrivate());
            PemFiles.writePublicKey(pubFile, pair.getPublic());
            log.info("created service-account signing key dir={} bits={}", dir, SERVICE_ACCOUNT_KEY_BITS);
            return pair;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + keyFile + " / " + pubFile + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("service-account key " + keyFile + ": " + e.getMessage(), e);
        }
    }

    /**
     * The RSA key pair of the PEM private key in {@code keyFile}, its public half derived from it (what
     * kube-controller-manager's --service-account-private-key-file reads).
     */
    public static KeyPair readServiceAccountKey(Path keyFile) throws IOException, GeneralSecurityException {
        PrivateKey key = PemFiles.readKey(keyFile);
        if (!(key instanceof RSAPrivateCrtKey rsa)) {
            throw new GeneralSecurityException(keyFile + " is not an RSA private key");
        }
        PublicKey pub = KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));
        return new KeyPair(pub, key);
    }

    /** A stored client certificate of {@code user} in system:masters, issued again when it cannot be used. */
    private static CertifiedKey clientCertificate(Path dir, String certFile, String keyFile, String user, CertifiedKey ca, boolean newCa,
                                                  CertificateIssuer issuer, Clock clock) {
        CertifiedKey client = load(dir, certFile, keyFile);
        String problem = newCa ? "new CA" : problem(client, ca, clock);
        if (problem != null) {
            client = issuer.client(ca, user, List.of(MASTERS_GROUP), LEAF_VALIDITY);
            save(dir, certFile, keyFile, client);
            log.info("issued client certificate reason=\"{}\" user={} group={}", problem, user, MASTERS_GROUP);
        }
        return client;
    }

    /** Why a stored leaf cannot be used, or null when it can. */
    private static String problem(CertifiedKey leaf, CertifiedKey ca, Clock clock) {
        if (leaf == null) {
            return "missing";
        }
        if (!signedBy(leaf.certificate(), ca.certificate())) {
            return "not signed by its CA";
        }
        if (leaf.certificate().getNotAfter().toInstant().isBefore(clock.instant().plus(RENEW_BEFORE))) {
            return "expires " + leaf.certificate().getNotAfter().toInstant();
        }
        return null;
    }

    public static boolean signedBy(X509Certificate certificate, X509Certificate ca) {
        try {
            certificate.verify(ca.getPublicKey());
            return certificate.getIssuerX500Principal().equals(ca.getSubjectX500Principal());
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static CertifiedKey load(Path dir, String certFile, String keyFile) {
        Path cert = dir.resolve(certFile);
        Path key = dir.resolve(keyFile);
        if (!Files.exists(cert) || !Files.exists(key)) {
            return null;
        }
        try {
            return new CertifiedKey(PemFiles.readCertificate(cert), PemFiles.readKey(key));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + cert + " / " + key + ": " + e.getMessage(), e);
        }
    }

    private static void save(Path dir, String certFile, String keyFile, CertifiedKey certified) {
        // key first: a cert without its key on disk would be reloaded as "missing" anyway
        PemFiles.writeKey(dir.resolve(keyFile), certified.key());
        PemFiles.writeCertificate(dir.resolve(certFile), certified.certificate());
    }
}
