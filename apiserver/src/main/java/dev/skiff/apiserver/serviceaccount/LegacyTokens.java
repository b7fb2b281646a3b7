package dev.skiff.apiserver.serviceaccount;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.skiff.api.core.v1.ServiceAccountTokenSecret;
import dev.skiff.apiserver.authn.UserInfo;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Secret-based service-account tokens, as upstream's pkg/serviceaccount/legacy.go: what the tokens
 * controller writes into a {@code kubernetes.io/service-account-token} secret. They never expire and
 * name no audience (so they are for the API server's own); they stay valid while the secret still
 * holds exactly that token, is not being deleted or marked invalid, and the service account still
 * exists with the uid the token names.
 */
public final class LegacyTokens {
    /** The issuer legacy tokens carry, whatever --service-account-issuer says. */
    public static final String ISSUER = "kubernetes/serviceaccount";
    /** The label that retires a legacy token (set by upstream's legacy-service-account-token-cleaner, or by hand). */
    public static final String INVALID_SINCE_LABEL = "kubernetes.io/legacy-token-invalid-since";
    /** The label recording the day (UTC, {@code 2006-01-02}) a legacy token was last used, written at most once a day. */
    public static final String LAST_USED_LABEL = "kubernetes.io/legacy-token-last-used";
    private static final Logger log = LoggerFactory.getLogger(LegacyTokens.class);
    private static final String NAMESPACE = "kubernetes.io/serviceaccount/namespace";
    private static final String SECRET_NAME = "kubernetes.io/serviceaccount/secret.name";
    private static final String SERVICE_ACCOUNT_NAME = "kubernetes.io/serviceaccount/service-account.name";
    private static final String SERVICE_ACCOUNT_UID = "kubernetes.io/serviceaccount/service-account.uid";

    private LegacyTokens() {
    }

    /** A token for {@code serviceAccount} kept in {@code secret} (upstream's LegacyClaims, signed like bound tokens). */
    public static String issue(KeyPair key, ServiceAccount serviceAccount, Secret secret) {
        var sa = serviceAccount.getMetadata();
        var claims = new LinkedHashMap<String, Object>();
        claims.put("iss", ISSUER);
        claims.put(NAMESPACE, sa.getNamespace());
        claims.put(SECRET_NAME, secret.getMetadata().getName());
        claims.put(SERVICE_ACCOUNT_NAME, sa.getName());
        claims.put(SERVICE_ACCOUNT_UID, sa.getUid());
        claims.put("sub", ServiceAccountUser.username(sa.getNamespace(), sa.getName()));
        return ServiceAccountTokens.sign(key, claims);
    }

    /**
     * Checks a legacy token whose signature and audiences already hold (upstream's legacyValidator with
     * lookup); a valid one labels its secret with the day of {@code now} unless it already says so.
     */
    static ServiceAccountTokens.Verdict validate(String token, JWTClaimsSet claims, ServiceAccountObjects objects, List<String> audiences,
                                                 Instant now) {
        String subject = claims.getSubject();
        if (subject == null || subject.isEmpty()) {
            return invalid("sub claim is missing");
        }
        String namespace = text(claims, NAMESPACE);
        String secretName = text(claims, SECRET_NAME);
        String name = text(claims, SERVICE_ACCOUNT_NAME);
        String uid = text(claims, SERVICE_ACCOUNT_UID);
        for (var claim : List.of(Map.entry("namespace", namespace), Map.entry("secretName", secretName),
                Map.entry("serviceAccountName", name), Map.entry("serviceAccountUID", uid))) {
            if (claim.getValue().isEmpty()) {
                return invalid(claim.getKey() + " claim is missing");
            }
        }
        if (!subject.equals(ServiceAccountUser.username(namespace, name))) {
            return invalid("sub claim is invalid");
        }
        Secret secret = objects.secrets().find(namespace, secretName).orElse(null);
        if (secret == null || secret.getMetadata().getDeletionTimestamp() != null) {
            return invalid("Token has been invalidated");
        }
        if (!MessageDigest.isEqual(storedToken(secret), token.getBytes(StandardCharsets.UTF_8))) {
            return invalid("Token does not match server's copy");
        }
        ServiceAccount serviceAccount = objects.serviceAccounts().find(namespace, name).orElse(null);
        if (serviceAccount == null) {
            return invalid("serviceaccounts \"" + name + "\" not found");
        }
        if (serviceAccount.getMetadata().getDeletionTimestamp() != null) {
            return invalid("ServiceAccount " + namespace + "/" + name + " has been deleted");
        }
        if (!uid.equals(serviceAccount.getMetadata().getUid())) {
            return invalid("ServiceAccount UID (" + serviceAccount.getMetadata().getUid() + ") does not match claim (" + uid + ")");
        }
        recordUse(objects, secret, now); // also for a token marked invalid: its secret shows that someone still tries it
        var labels = secret.getMetadata().getLabels();
        if (labels != null && !labels.getOrDefault(INVALID_SINCE_LABEL, "").isEmpty()) {
            return invalid("the token in secret " + namespace + "/" + secretName + " for service account " + namespace + "/" + name
                    + " has been marked invalid. Use tokens from the TokenRequest API or manually created secret-based tokens, "
                    + "or remove the '" + INVALID_SINCE_LABEL + "' label from the secret to temporarily allow use of this token");
        }
        var user = new UserInfo(subject, uid, ServiceAccountUser.groups(namespace), Map.of());
        return new ServiceAccountTokens.Valid(user, audiences);
    }

    /**
     * Labels the secret with today's date unless it says today or later; a failure (a concurrent update, say) is logged and
     * changes nothing about the token, as upstream.
     */
    private static void recordUse(ServiceAccountObjects objects, Secret secret, Instant now) {
        String today = DateTimeFormatter.ISO_LOCAL_DATE.format(now.atOffset(ZoneOffset.UTC));
        var labels = secret.getMetadata().getLabels();
        String recorded = labels == null ? null : labels.get(LAST_USED_LABEL);
        if (recorded != null && recorded.compareTo(today) >= 0) { // today, or a later day another server's clock wrote
            return;
        }
        try {
            objects.secretWriter().accept(new SecretBuilder(secret).editMetadata().addToLabels(LAST_USED_LABEL, today).endMetadata().build());
        } catch (RuntimeException e) {
            log.warn("failed to label legacy service account token secret with last-used secret={}/{}: {}",
                    secret.getMetadata().getNamespace(), secret.getMetadata().getName(), e.getMessage());
        }
    }

    private static byte[] storedToken(Secret secret) {
        String encoded = secret.getData() == null ? null : secret.getData().get(ServiceAccountTokenSecret.TOKEN_KEY);
        try {
            return encoded == null ? new byte[0] : Base64.getDecoder().decode(encoded);
        } catch (IllegalArgumentException e) {
            return new byte[0];
        }
    }

    private static ServiceAccountTokens.Verdict invalid(String reason) {
        return new ServiceAccountTokens.Invalid(reason);
    }

    private static String text(JWTClaimsSet claims, String name) {
        return claims.getClaim(name) instanceof String s ? s : "";
    }
}
