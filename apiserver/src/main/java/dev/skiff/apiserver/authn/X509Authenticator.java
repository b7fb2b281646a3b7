package dev.skiff.apiserver.authn;

import dev.skiff.apiserver.authn.AuthenticationResult.Authenticated;
import dev.skiff.apiserver.authn.AuthenticationResult.NotPresented;
import dev.skiff.apiserver.authn.AuthenticationResult.Rejected;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Date;
import java.util.List;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * Client certificates signed by the cluster CA, as upstream's x509 authenticator with its
 * CommonNameUserConversion: user = subject CN, groups = subject O values. The TLS layer already
 * checked the chain; this checks again against the CA it was given, so the rule lives in one place
 * that tests can reach.
 */
public final class X509Authenticator implements Authenticator {
    private static final String CLIENT_AUTH_OID = "1.3.6.1.5.5.7.3.2";

    private final X509Certificate ca;
    private final Clock clock;

    public X509Authenticator(X509Certificate ca, Clock clock) {
        this.ca = ca;
        this.clock = clock;
    }

    @Override
    public AuthenticationResult authenticate(Credentials credentials) {
        if (credentials.peerCertificates().isEmpty()) {
            return new NotPresented();
        }
        X509Certificate leaf = credentials.peerCertificates().getFirst();
        try {
            leaf.verify(ca.getPublicKey());
            if (!leaf.getIssuerX500Principal().equals(ca.getSubjectX500Principal())) {
                return new Rejected("x509: issuer is not the cluster CA");
            }
            leaf.checkValidity(Date.from(clock.instant()));
            List<String> usages = leaf.getExtendedKeyUsage();
            if (usages != null && !usages.contains(CLIENT_AUTH_OID)) {
                return new Rejected("x509: certificate specifies an incompatible key usage");
            }
        } catch (CertificateParsingException e) {
            return new Rejected("x509: " + e.getMessage());
        } catch (GeneralSecurityException e) {
            return new Rejected("x509: certificate signed by unknown authority or expired: " + e.getMessage());
        }
        String user = null;
        var groups = new java.util.ArrayList<String>();
        try {
            for (Rdn rdn : new LdapName(leaf.getSubjectX500Principal().getName()).getRdns()) {
                switch (rdn.getType().toUpperCase(java.util.Locale.ROOT)) {
                    case "CN" -> user = String.valueOf(rdn.getValue());
                    case "O" -> groups.add(String.valueOf(rdn.getValue()));
                    default -> { }
                }
            }
        } catch (InvalidNameException e) {
            return new Rejected("x509: unreadable subject: " + e.getMessage());
        }
        if (user == null || user.isEmpty()) {
            return new Rejected("x509: certificate has no common name");
        }
        return new Authenticated(new UserInfo(user, groups));
    }
}
