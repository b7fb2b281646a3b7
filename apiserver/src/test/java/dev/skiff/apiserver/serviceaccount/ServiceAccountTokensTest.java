package dev.skiff.apiserver.serviceaccount;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.api.errors.ApiException;
import dev.skiff.apiserver.pki.ClusterPki;
import dev.skiff.apiserver.serviceaccount.ServiceAccountTokens.Binding;
import dev.skiff.apiserver.serviceaccount.ServiceAccountTokens.Invalid;
import dev.skiff.apiserver.serviceaccount.ServiceAccountTokens.NotServiceAccountToken;
import dev.skiff.apiserver.serviceaccount.ServiceAccountTokens.Valid;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Signing and checking service-account JWTs with a real sa.key, over objects kept in maps. */
class ServiceAccountTokensTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ISSUER = ServiceAccountTokens.DEFAULT_ISSUER;
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    private final Map<String, ServiceAccount> accounts = new HashMap<>();
    private final Map<String, Pod> pods = new HashMap<>();
    private final Map<String, Secret> secrets = new HashMap<>();
    private final Map<String, Node> nodes = new HashMap<>();

    private static <T extends HasMetadata> ServiceAccountObjects.Getter<T> from(Map<String, T> objects) {
        return (ns, name) -> {
            T found = objects.get(ns + "/" + name);
            if (found == null) {
                throw ApiException.notFound("", "objects", name);
            }
            return found;
        };
    }

    private ServiceAccountTokens tokens(KeyPair key, Instant now) {
        return new ServiceAccountTokens(key, ISSUER, List.of(ISSUER),
                new ServiceAccountObjects(from(accounts), from(pods), from(secrets), from(nodes), this::write), Clock.fixed(now, ZoneOffset.UTC));
    }

    /** The secret writer: stores the update, as the registry would (no resourceVersion check here). */
    private void write(Secret secret) {
        secrets.put(secret.getMetadata().getNamespace() + "/" + secret.getMetadata().getName(), secret);
    }

    private ServiceAccount account(String ns, String name, String uid) {
        var sa = new ServiceAccountBuilder().withNewMetadata().withNamespace(ns).withName(name).withUid(uid).endMetadata().build();
        accounts.put(ns + "/" + name, sa);
        return sa;
    }

    private static JsonNode payload(String token) throws Exception {
        String[] parts = token.split("\\.");
        assertThat(parts).hasSize(3);
        return JSON.readTree(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
    }

    @Test
    void theKeyIsCreatedOnceAndReadBack(@TempDir Path dir) throws Exception {
        KeyPair first = ClusterPki.loadOrCreateServiceAccountKey(dir);
        assertThat(Files.readString(dir.resolve("sa.key"))).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(Files.readString(dir.resolve("sa.pub"))).startsWith("-----BEGIN PUBLIC KEY-----");
        assertThat(Files.getPosixFilePermissions(dir.resolve("sa.key")).toString()).isEqualTo("[OWNER_READ, OWNER_WRITE]");
        Files.delete(dir.resolve("sa.pub"));
        KeyPair again = ClusterPki.loadOrCreateServiceAccountKey(dir);
        assertThat(again.getPublic()).isEqualTo(first.getPublic());
        assertThat(again.getPrivate()).isEqualTo(first.getPrivate());
        assertThat(Files.exists(dir.resolve("sa.pub"))).isTrue();
        // a token signed before a restart is still good after it
        var sa = account("default", "robot", "u1");
        String token = tokens(first, NOW).issue(sa, Binding.NONE, List.of(ISSUER), 3600, 0, NOW);
        assertThat(tokens(again, NOW).validate(token, List.of())).isInstanceOf(Valid.class);
        assertThat(payload(token).get("aud").toString()).isEqualTo("[\"" + ISSUER + "\"]"); // an array even of one, as upstream
    }

    @Test
    void aTokenCarriesUpstreamsClaimsAndNamesTheServiceAccount(@TempDir Path dir) throws Exception {
        KeyPair key = ClusterPki.loadOrCreateServiceAccountKey(dir);
        var sa = account("team", "robot", "sa-uid");
        Pod pod = new PodBuilder().withNewMetadata().withNamespace("team").withName("web").withUid("pod-uid").endMetadata()
                .withNewSpec().withServiceAccountName("robot").withNodeName("n1").endSpec().build();
        pods.put("team/web", pod);
        Node node = new NodeBuilder().withNewMetadata().withName("n1").withUid("node-uid").endMetadata().build();
        nodes.put("null/n1", node);
        var tokens = tokens(key, NOW.plusSeconds(10));
        String token = tokens.issue(sa, new Binding(pod, node, null), List.of(ISSUER, "vault"), 3600, 0, NOW);

        String header = new String(Base64.getUrlDecoder().decode(token.split("\\.")[0]), StandardCharsets.UTF_8);
        assertThat(JSON.readTree(header).get("alg").asText()).isEqualTo("RS256");
        assertThat(JSON.readTree(header).get("kid").asText()).isEqualTo(ServiceAccountTokens.keyId(key)).hasSize(43);
        JsonNode claims = payload(token);
        assertThat(claims.get("iss").asText()).isEqualTo(ISSUER);
        assertThat(claims.get("sub").asText()).isEqualTo("system:serviceaccount:team:robot");
        assertThat(claims.get("aud").toString()).isEqualTo("[\"" + ISSUER + "\",\"vault\"]");
        assertThat(claims.get("iat").asLong()).isEqualTo(NOW.getEpochSecond());
        assertThat(claims.get("nbf").asLong()).isEqualTo(NOW.getEpochSecond());
        assertThat(claims.get("exp").asLong()).isEqualTo(NOW.getEpochSecond() + 3600);
        assertThat(claims.get("jti").asText()).hasSize(36);
        JsonNode k = claims.get("kubernetes.io");
        assertThat(k.get("namespace").asText()).isEqualTo("team");
        assertThat(k.get("serviceaccount").toString()).isEqualTo("{\"name\":\"robot\",\"uid\":\"sa-uid\"}");
        assertThat(k.get("pod").toString()).isEqualTo("{\"name\":\"web\",\"uid\":\"pod-uid\"}");
        assertThat(k.get("node").toString()).isEqualTo("{\"name\":\"n1\",\"uid\":\"node-uid\"}");

        var valid = (Valid) tokens.validate(token, List.of());
        assertThat(valid.user().name()).isEqualTo("system:serviceaccount:team:robot");
        assertThat(valid.user().uid()).isEqualTo("sa-uid");
        assertThat(valid.user().groups()).containsExactly("system:serviceaccounts", "system:serviceaccounts:team");
        assertThat(valid.user().extra()).containsEntry("authentication.kubernetes.io/pod-name", List.of("web"))
                .containsEntry("authentication.kubernetes.io/pod-uid", List.of("pod-uid"))
                .containsEntry("authentication.kubernetes.io/node-name", List.of("n1"))
                .containsEntry("authentication.kubernetes.io/credential-id", List.of("JTI=" + claims.get("jti").asText()));
        assertThat(valid.audiences()).containsExactly(ISSUER);
        assertThat(((Valid) tokens.validate(token, List.of("vault", "other"))).audiences()).containsExactly("vault");
    }

    @Test
    void forgedExpiredOrMisdirectedTokensAreRefused(@TempDir Path dir) throws Exception {
        KeyPair key = ClusterPki.loadOrCreateServiceAccountKey(dir.resolve("a"));
        KeyPair otherKey = ClusterPki.loadOrCreateServiceAccountKey(dir.resolve("b"));
        var sa = account("default", "robot", "u1");
        String token = tokens(key, NOW).issue(sa, Binding.NONE, List.of(ISSUER), 3600, 0, NOW);

        assertThat(tokens(otherKey, NOW).validate(token, List.of())).isEqualTo(new Invalid("service account token: invalid signature"));
        String[] parts = token.split("\\.");
        String tampered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(
                new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8).replace("robot", "admin")
                        .getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
        assertThat(tokens(key, NOW).validate(tampered, List.of())).isEqualTo(new Invalid("service account token: invalid signature"));

        // exp and nbf with a minute of leeway, as go-jose's
        assertThat(tokens(key, NOW.plusSeconds(3600 + 59)).validate(token, List.of())).isInstanceOf(Valid.class);
        assertThat(tokens(key, NOW.plusSeconds(3600 + 61)).validate(token, List.of()))
                .isEqualTo(new Invalid("service account token has expired"));
        assertThat(tokens(key, NOW.minusSeconds(61)).validate(token, List.of()))
                .isEqualTo(new Invalid("service account token is not valid yet"));

        assertThat(tokens(key, NOW).validate(token, List.of("vault"))).isInstanceOf(Invalid.class);
        assertThat(((Invalid) tokens(key, NOW).validate(token, List.of("vault"))).reason())
                .startsWith("token audiences [" + ISSUER + "] is invalid for the target audiences [vault]");
        // not a JWT, or another issuer's: for the next authenticator
        assertThat(tokens(key, NOW).validate("s3cret", List.of())).isInstanceOf(NotServiceAccountToken.class);
        var elsewhere = new ServiceAccountTokens(key, "https://issuer.example", List.of("https://issuer.example"),
                new ServiceAccountObjects(from(accounts), from(pods), from(secrets), from(nodes), this::write), Clock.fixed(NOW, ZoneOffset.UTC));
        assertThat(tokens(key, NOW).validate(elsewhere.issue(sa, Binding.NONE, List.of(ISSUER), 3600, 0, NOW), List.of()))
                .isInstanceOf(NotServiceAccountToken.class);
    }

    @Test
    void aTokenDiesWithItsServiceAccountOrBoundObject(@TempDir Path dir) throws Exception {
        KeyPair key = ClusterPki.loadOrCreateServiceAccountKey(dir);
        var sa = account("default", "robot", "u1");
        Secret secret = new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata().withNamespace("default").withName("s")
                .withUid("s1").endMetadata().build();
        secrets.put("default/s", secret);
        var tokens = tokens(key, NOW);
        String token = tokens.issue(sa, new Binding(null, null, secret), List.of(ISSUER), 3600, 0, NOW);
        assertThat(tokens.validate(token, List.of())).isInstanceOf(Valid.class);

        secrets.put("default/s", new io.fabric8.kubernetes.api.model.SecretBuilder(secret).editMetadata().withUid("s2").endMetadata().build());
        assertThat(tokens.validate(token, List.of())).isEqualTo(new Invalid("secret UID (s2) does not match claim (s1)"));
        secrets.remove("default/s");
        assertThat(tokens.validate(token, List.of())).isEqualTo(new Invalid("secret default/s has been deleted"));

        String unbound = tokens.issue(sa, Binding.NONE, List.of(ISSUER), 3600, 0, NOW);
        account("default", "robot", "u2");
        assertThat(tokens.validate(unbound, List.of())).isEqualTo(new Invalid("service account UID (u2) does not match claim (u1)"));
        accounts.clear();
        assertThat(tokens.validate(unbound, List.of())).isEqualTo(new Invalid("service account default/robot has been deleted"));

        // being deleted: a minute of grace
        var deleting = account("default", "robot", "u1");
        deleting.getMetadata().setDeletionTimestamp(NOW.minusSeconds(30).toString());
        assertThat(tokens.validate(unbound, List.of())).isInstanceOf(Valid.class);
        deleting.getMetadata().setDeletionTimestamp(NOW.minusSeconds(90).toString());
        assertThat(tokens.validate(unbound, List.of())).isEqualTo(new Invalid("service account default/robot is marked for deletion"));
    }

    @Test
    void aLegacyTokenLivesAsLongAsItsSecretHoldsItAndItsAccountExists(@TempDir Path dir) throws Exception {
        KeyPair key = ClusterPki.loadOrCreateServiceAccountKey(dir);
        var sa = account("default", "robot", "u1");
        Secret secret = new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata().withNamespace("default")
                .withName("robot-token").endMetadata().withType("kubernetes.io/service-account-token").build();
        String token = LegacyTokens.issue(key, sa, secret);
        JsonNode claims = payload(token);
        assertThat(claims.get("iss").asText()).isEqualTo("kubernetes/serviceaccount");
        assertThat(claims.get("sub").asText()).isEqualTo("system:serviceaccount:default:robot");
        assertThat(claims.get("kubernetes.io/serviceaccount/secret.name").asText()).isEqualTo("robot-token");
        assertThat(claims.get("kubernetes.io/serviceaccount/service-account.uid").asText()).isEqualTo("u1");
        assertThat(claims.has("exp")).as("legacy tokens never expire").isFalse();
        assertThat(claims.has("aud")).isFalse();

        var tokens = tokens(key, NOW.plusSeconds(10L * 365 * 24 * 3600)); // years later: still valid
        assertThat(tokens.validate(token, List.of())).isEqualTo(new Invalid("Token has been invalidated"));
        secret.setData(Map.of("token", Base64.getEncoder().encodeToString("another".getBytes(StandardCharsets.UTF_8))));
        secrets.put("default/robot-token", secret);
        assertThat(tokens.validate(token, List.of())).isEqualTo(new Invalid("Token does not match server's copy"));
        secret.setData(Map.of("token", Base64.getEncoder().encodeToString(token.getBytes(StandardCharsets.UTF_8))));
        var valid = (Valid) tokens.validate(token, List.of());
        assertThat(valid.user().name()).isEqualTo("system:serviceaccount:default:robot");
        assertThat(valid.user().uid()).isEqualTo("u1");
        assertThat(valid.user().groups()).contains("system:serviceaccounts", "system:serviceaccounts:default");
        assertThat(valid.audiences()).containsExactly(ISSUER);
        assertThat(tokens.validate(token, List.of("vault"))).isInstanceOf(Invalid.class); // only for the API server itself
        secret = secrets.get("default/robot-token"); // labelled with the day of its use
        assertThat(secret.getMetadata().getLabels()).containsEntry(LegacyTokens.LAST_USED_LABEL, "2035-12-30");

        secret.getMetadata().setLabels(Map.of(LegacyTokens.INVALID_SINCE_LABEL, "2026-01-01"));
        assertThat(((Invalid) tokens.validate(token, List.of())).reason()).contains("has been marked invalid");
        secret = secrets.get("default/robot-token"); // a refused use is recorded too, so that it shows
        assertThat(secret.getMetadata().getLabels()).containsEntry(LegacyTokens.LAST_USED_LABEL, "2035-12-30");
        secret.getMetadata().setLabels(Map.of(LegacyTokens.LAST_USED_LABEL, "2035-12-31")); // a day ahead (another clock): kept
        tokens.validate(token, List.of());
        assertThat(secrets.get("default/robot-token").getMetadata().getLabels()).containsEntry(LegacyTokens.LAST_USED_LABEL, "2035-12-31");
        account("default", "robot", "u2");
        assertThat(tokens.validate(token, List.of())).isEqualTo(new Invalid("ServiceAccount UID (u2) does not match claim (u1)"));
        accounts.clear();
        assertThat(tokens.validate(token, List.of())).isEqualTo(new Invalid("serviceaccounts \"robot\" not found"));
        account("default", "robot", "u1");
        secret.getMetadata().setDeletionTimestamp(NOW.toString());
        assertThat(tokens.validate(token, List.of())).isEqualTo(new Invalid("Token has been invalidated"));

        // another key's signature is refused before anything is looked up
        String forged = LegacyTokens.issue(ClusterPki.loadOrCreateServiceAccountKey(dir.resolve("other")), sa, secret);
        assertThat(tokens.validate(forged, List.of())).isEqualTo(new Invalid("service account token: invalid signature"));
    }
}
