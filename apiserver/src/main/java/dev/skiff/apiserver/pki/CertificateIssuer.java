package dev.skiff.apiserver.pki;

import java.math.BigInteger;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Issues the cluster's certificates: ECDSA P-256 keys, SHA-256 signatures, extensions shaped as
 * Go's crypto/x509 expects (CA with keyCertSign, leaves with an extended key usage, subject and
 * authority key ids, names only in SANs).
 */
final class CertificateIssuer {
    /** Backdated as upstream's cert utilities do, so a peer with a slightly slow clock accepts a fresh certificate. */
    private static final Duration BACKDATE = Duration.ofHours(1);

    private final Clock clock;
    private final SecureRandom random;

    CertificateIssuer(Clock clock, SecureRandom random) {
        this.clock = clock;
        this.random = random;
    }

    CertifiedKey selfSignedCa(String commonName, Duration validity) {
        KeyPair keys = newKeyPair();
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
        try {
            var builder = builder(subject, subject, keys.getPublic(), validity);
            var ext = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            builder.addExtension(Extension.keyUsage, true,
                    new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
            builder.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
            return new CertifiedKey(sign(builder, keys), keys.getPrivate());
        } catch (CertIOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot issue the cluster CA: " + e.getMessage(), e);
        }
    }

    /** A serving certificate for these DNS names and IP addresses. */
    CertifiedKey serving(CertifiedKey ca, String commonName, Collection<String> dnsNames, Collection<InetAddress> ips,
                         Duration validity) {
        var names = new ArrayList<GeneralName>();
        dnsNames.forEach(n -> names.add(new GeneralName(GeneralName.dNSName, n)));
        ips.forEach(ip -> names.add(new GeneralName(GeneralName.iPAddress, new org.bouncycastle.asn1.DEROctetString(ip.getAddress()))));
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
        return leaf(ca, subject, KeyPurposeId.id_kp_serverAuth, new GeneralNames(names.toArray(GeneralName[]::new)), validity);
    }

    /** A client certificate: the API server reads the user from CN and the groups from O, as upstream. */
    CertifiedKey client(CertifiedKey ca, String user, List<String> groups, Duration validity) {
        var name = new X500NameBuilder(BCStyle.INSTANCE);
        groups.forEach(g -> name.addRDN(BCStyle.O, g));
        name.addRDN(BCStyle.CN, user);
        return leaf(ca, name.build(), KeyPurposeId.id_kp_clientAuth, null, validity);
    }

    private CertifiedKey leaf(CertifiedKey ca, X500Name subject, KeyPurposeId purpose, GeneralNames sans, Duration validity) {
        KeyPair keys = newKeyPair();
        try {
            X500Name issuer = new X500Name(ca.certificate().getSubjectX500Principal().getName());
            var builder = builder(issuer, subject, keys.getPublic(), validity);
            var ext = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
            builder.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
            builder.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca.certificate()));
            if (sans != null) {
                builder.addExtension(Extension.subjectAlternativeName, false, sans);
            }
            return new CertifiedKey(sign(builder, new KeyPair(ca.certificate().getPublicKey(), ca.key())), keys.getPrivate());
        } catch (CertIOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot issue a certificate for " + subject + ": " + e.getMessage(), e);
        }
    }

    private X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, PublicKey key, Duration validity) {
        Instant now = clock.instant();
        // positive and at most 127 bits: Go rejects negative serials and RFC 5280 caps them at 20 bytes
        var serial = new BigInteger(127, random).setBit(0);
        return new JcaX509v3CertificateBuilder(issuer, serial, Date.from(now.minus(BACKDATE)), Date.from(now.plus(validity)), subject, key);
    }

    private X509Certificate sign(X509v3CertificateBuilder builder, KeyPair signer) throws GeneralSecurityException {
        try {
            var signerOp = new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate());
            return new JcaX509CertificateConverter().getCertificate(builder.build(signerOp));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private KeyPair newKeyPair() {
        try {
            var generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), random);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no ECDSA P-256 in this JVM", e);
        }
    }
}
