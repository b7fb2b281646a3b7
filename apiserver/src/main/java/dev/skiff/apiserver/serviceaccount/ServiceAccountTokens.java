package dev.skiff.apiserver.serviceaccount;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.skiff.apiserver.authn.UserInfo;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Service-account tokens as upstream's pkg/serviceaccount (jwt.go and claims.go): RS256 JWTs signed
 * with the cluster's sa.key, the key id derived from the public key, and the claims iss, sub
 * ({@code system:serviceaccount:NS:NAME}), aud, exp, iat, nbf, jti and {@code kubernetes.io}
 * (namespace, serviceaccount, and the pod, secret or node the token is bound to, warnafter). A token
 * is valid while its signature, time window and audience hold and every object it names still exists
 * with the same uid (deleted ones are given a minute of grace, as upstream).
 */
public final class ServiceAccountTokens {
    /** kube-apiserver's --service-account-issuer as k3s sets it; also the default API audience. */
    public static final String DEFAULT_ISSUER = "https://kubernetes.default.svc.cluster.local";
    /** Clock skew allowed on exp, nbf and iat (go-jose's DefaultLeeway). */
    static final Duration LEEWAY = Duration.ofMinutes(1);
    /** How long a token outlives the deletion of an object it names (upstream's invalidIfDeletedBefore). */
    static final Duration DELETION_GRACE = Duration.ofMinutes(1);
    private static final String PRIVATE_CLAIM = "kubernetes.io";

    private final KeyPair key;
    private final String issuer;
    private final List<String> apiAudiences;
    private final ServiceAccountObjects objects;
    private final Clock clock;

    public ServiceAccountTokens(KeyPair key, String issuer, List<String> apiAudiences, ServiceAccountObjects objects, Clock clock) {
        if (!(key.getPrivate() instanceof RSAPrivateKey) || !(key.getPublic() instanceof RSAPublicKey)) {
            throw new IllegalArgumentException("service-account tokens are signed with an RSA key");
        }
        this.key = key;
        this.issuer = issuer;
        this.apiAudiences = List.copyOf(apiAudiences);
        this.objects = objects;
        this.clock = clock;
    }

    public String issuer() {
        return issuer;
    }

    /** The API server's own audiences (--api-audiences; the issuer by default): what a TokenRequest without audiences gets. */
    public List<String> apiAudiences() {
        return apiAudiences;
    }

    public ServiceAccountObjects objects() {
        return objects;
    }

    /** What binds a token: at most one of pod (with its node when known), secret or node alone. */
    public record Binding(Pod pod, Node node, Secret secret) {
        public static final Binding NONE = new Binding(null, null, null);
    }

    /**
     * A signed token for {@code serviceAccount} (upstream's Claims + GenerateToken), valid from
     * {@code now} for {@code expirationSeconds}; {@code warnAfterSeconds} > 0 records when a
     * token whose expiry was extended should have expired (the {@code warnafter} claim).
     */
    public String issue(ServiceAccount serviceAccount, Binding binding, List<String> audiences, long expirationSeconds,
                        long warnAfterSeconds, Instant now) {
        var sa = serviceAccount.getMetadata();
        var kubernetes = new LinkedHashMap<String, Object>();
        kubernetes.put("namespace", sa.getNamespace());
        kubernetes.put("serviceaccount", ref(serviceAccount));
        if (binding.pod() != null) {
            kubernetes.put("pod", ref(binding.pod()));
        }
        if (binding.secret() != null) {
            kubernetes.put("secret", ref(binding.secret()));
        }
        if (binding.node() != null) {
            kubernetes.put("node", ref(binding.node()));
        }
        if (warnAfterSeconds > 0) {
            kubernetes.put("warnafter", now.plusSeconds(warnAfterSeconds).getEpochSecond());
        }
        // a plain map, not JWTClaimsSet: that writes a one-element aud as a string, upstream always writes an array
        var claims = new LinkedHashMap<String, Object>();
        claims.put("aud", List.copyOf(audiences));
        claims.put("exp", now.plusSeconds(expirationSeconds).getEpochSecond());
        claims.put("iat", now.getEpochSecond());
        claims.put("iss", issuer);
        claims.put("jti", UUID.randomUUID().toString());
        claims.put(PRIVATE_CLAIM, kubernetes);
        claims.put("nbf", now.getEpochSecond());
        claims.put("sub", ServiceAccountUser.username(sa.getNamespace(), sa.getName()));
        return sign(key, claims);
    }

    /** {@code claims} as a compact RS256 JWS, its key id derived from {@code key}'s public half (upstream's jwtTokenGenerator). */
    static String sign(KeyPair key, Map<String, Object> claims) {
        var jwt = new JWSObject(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(keyId(key)).build(), new Payload(claims));
        try {
            jwt.sign(new RSASSASigner(key.getPrivate()));
        } catch (JOSEException e) {
            throw new IllegalStateException("failed to generate token: " + e.getMessage(), e);
        }
        return jwt.serialize();
    }

    private static Map<String, Object> ref(HasMetadata object) {
        var ref = new LinkedHashMap<String, Object>();
        ref.put("name", object.getMetadata().getName());
        ref.put("uid", object.getMetadata().getUid());
        return ref;
    }

    /** A token's verdict: not one of ours (another authenticator may know it), invalid, or valid for a user. */
    public sealed interface Verdict {
    }

    public record NotServiceAccountToken() implements Verdict {
    }

    public record Invalid(String reason) implements Verdict {
    }

    /** {@code audiences}: those of the wanted audiences the token was issued for. */
    public record Valid(UserInfo user, List<String> audiences) implements Verdict {
    }

    /**
     * Checks a bearer token (upstream's JWTTokenAuthenticator with its validators) against
     * {@code wantedAudiences}, the API server's own when empty. Tokens of this issuer are bound
     * tokens; tokens of {@link LegacyTokens#ISSUER} are secret-based ones. A token that names no
     * audience is meant for the API server's own.
     */
    public Verdict validate(String token, List<String> wantedAudiences) {
        SignedJWT jwt;
        JWTClaimsSet claims;
        try {
            jwt = SignedJWT.parse(token);
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            return new NotServiceAccountToken();
        }
        boolean legacy = LegacyTokens.ISSUER.equals(claims.getIssuer());
        if (!legacy && !issuer.equals(claims.getIssuer())) {
            return new NotServiceAccountToken(); // another issuer's JWT: not for this authenticator
        }
        if (!JWSAlgorithm.RS256.equals(jwt.getHeader().getAlgorithm())) {
            return new Invalid("service account token: unexpected signing algorithm " + jwt.getHeader().getAlgorithm());
        }
        try {
            if (!jwt.verify(new RSASSAVerifier((RSAPublicKey) key.getPublic()))) {
                return new Invalid("service account token: invalid signature");
            }
        } catch (JOSEException e) {
            return new Invalid("service account token: " + e.getMessage());
        }
        List<String> wanted = wantedAudiences.isEmpty() ? apiAudiences : wantedAudiences;
        List<String> tokenAudiences = claims.getAudience() == null || claims.getAudience().isEmpty() ? apiAudiences : claims.getAudience();
        List<String> matched = wanted.stream().filter(tokenAudiences::contains).toList();
        if (matched.isEmpty()) {
            return new Invalid("token audiences " + tokenAudiences + " is invalid for the target audiences " + wanted);
        }
        if (legacy) {
            return LegacyTokens.validate(token, claims, objects, matched, clock.instant());
        }
        Instant now = clock.instant();
        if (claims.getExpirationTime() == null || claims.getExpirationTime().toInstant().plus(LEEWAY).isBefore(now)) {
            return new Invalid("service account token has expired");
        }
        if (claims.getNotBeforeTime() != null && claims.getNotBeforeTime().toInstant().minus(LEEWAY).isAfter(now)) {
            return new Invalid("service account token is not valid yet");
        }
        if (claims.getIssueTime() != null && claims.getIssueTime().toInstant().minus(LEEWAY).isAfter(now)) {
            return new Invalid("service account token is issued in the future");
        }
        return checkObjects(claims, now).map(reason -> (Verdict) new Invalid(reason))
                .orElseGet(() -> new Valid(user(claims), matched));
    }

    /** Why the objects a token names no longer vouch for it, or empty when they all do. */
    private Optional<String> checkObjects(JWTClaimsSet claims, Instant now) {
        Map<String, Object> k = privateClaims(claims);
        String namespace = text(k.get("namespace"));
        Ref sa = Ref.of(k.get("serviceaccount"));
        if (namespace.isEmpty() || sa == null) {
            return Optional.of("service account token: the " + PRIVATE_CLAIM + " claim names no namespace and service account");
        }
        Optional<String> problem = check("service account", namespace, sa, objects.serviceAccounts().find(namespace, sa.name()), now);
        if (problem.isEmpty() && Ref.of(k.get("secret")) instanceof Ref secret) {
            problem = check("secret", namespace, secret, objects.secrets().find(namespace, secret.name()), now);
        }
        Ref pod = Ref.of(k.get("pod"));
        if (problem.isEmpty() && pod != null) {
            problem = check("pod", namespace, pod, objects.pods().find(namespace, pod.name()), now);
        }
        // a pod-bound token carries its node as information only; a token bound to the node itself depends on it
        if (problem.isEmpty() && pod == null && Ref.of(k.get("node")) instanceof Ref node) {
            problem = check("node", null, node, objects.nodes().find(null, node.name()), now);
        }
        return problem;
    }

    private static Optional<String> check(String what, String namespace, Ref ref, Optional<? extends HasMetadata> found, Instant now) {
        String id = namespace == null ? ref.name() : namespace + "/" + ref.name();
        if (found.isEmpty()) {
            return Optional.of(what + " " + id + " has been deleted");
        }
        var meta = found.get().getMetadata();
        if (!ref.uid().equals(meta.getUid())) {
            return Optional.of(what + " UID (" + meta.getUid() + ") does not match claim (" + ref.uid() + ")");
        }
        if (meta.getDeletionTimestamp() != null && Instant.parse(meta.getDeletionTimestamp()).isBefore(now.minus(DELETION_GRACE))) {
            return Optional.of(what + " " + id + " is marked for deletion");
        }
        return Optional.empty();
    }

    private UserInfo user(JWTClaimsSet claims) {
        Map<String, Object> k = privateClaims(claims);
        String namespace = text(k.get("namespace"));
        Ref sa = Ref.of(k.get("serviceaccount"));
        var extra = new LinkedHashMap<String, List<String>>();
        if (Ref.of(k.get("pod")) instanceof Ref pod) {
            extra.put(ServiceAccountUser.POD_NAME_KEY, List.of(pod.name()));
            extra.put(ServiceAccountUser.POD_UID_KEY, List.of(pod.uid()));
        }
        if (Ref.of(k.get("node")) instanceof Ref node) {
            extra.put(ServiceAccountUser.NODE_NAME_KEY, List.of(node.name()));
            extra.put(ServiceAccountUser.NODE_UID_KEY, List.of(node.uid()));
        }
        if (claims.getJWTID() != null && !claims.getJWTID().isEmpty()) {
            extra.put(ServiceAccountUser.CREDENTIAL_ID_KEY, List.of("JTI=" + claims.getJWTID()));
        }
        var groups = new ArrayList<>(ServiceAccountUser.groups(namespace));
        return new UserInfo(ServiceAccountUser.username(namespace, sa.name()), sa.uid(), groups, extra);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> privateClaims(JWTClaimsSet claims) {
        return claims.getClaim(PRIVATE_CLAIM) instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static String text(Object value) {
        return value instanceof String s ? s : "";
    }

    private record Ref(String name, String uid) {
        static Ref of(Object claim) {
            if (claim instanceof Map<?, ?> m && m.get("name") instanceof String name && !name.isEmpty()) {
                return new Ref(name, m.get("uid") instanceof String uid ? uid : "");
            }
            return null;
        }
    }

    /** Upstream's keyIDFromPublicKey: the unpadded base64url SHA-256 of the public key's DER (SubjectPublicKeyInfo). */
    static String keyId(KeyPair key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getPublic().getEncoded());
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
