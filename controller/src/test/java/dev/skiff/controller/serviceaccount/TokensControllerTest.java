package dev.skiff.controller.serviceaccount;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.apiserver.pki.ClusterPki;
import dev.skiff.apiserver.serviceaccount.LegacyTokens;
import dev.skiff.controller.ControlPlaneTest;
import dev.skiff.controller.ControllerManager;
import dev.skiff.controller.ControllerOptions;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyPair;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The tokens controller over a real API server, signing with the API server's own sa.key so that the API server accepts what it writes. */
class TokensControllerTest extends ControlPlaneTest {

    private ControllerManager manager() {
        KeyPair key = ClusterPki.loadOrCreateServiceAccountKey(dir.resolve("tls"));
        var options = ControllerOptions.DEFAULTS.withServiceAccountTokenGenerator((sa, secret) -> LegacyTokens.issue(key, sa, secret));
        return ControllerManager.start(client, List.of(TokensController.NAME), false, 2, options);
    }

    @Test
    void aTokenSecretIsFilledAndAuthenticatesUntilItsAccountIsDeleted() throws Exception {
        try (var manager = manager()) {
            ServiceAccount sa = client.resource(new ServiceAccountBuilder().withNewMetadata().withNamespace("default").withName("robot")
                    .endMetadata().build()).create();
            client.resource(tokenSecret("robot-token", "robot", Map.of())).create();
            await("the token is written", () -> data(secret("robot-token"), "token") != null);
            Secret filled = secret("robot-token");
            assertThat(filled.getMetadata().getAnnotations())
                    .containsEntry("kubernetes.io/service-account.uid", sa.getMetadata().getUid());
            assertThat(data(filled, "ca.crt")).isEqualTo(Files.readString(dir.resolve("tls").resolve("cluster-ca.crt")));
            assertThat(data(filled, "namespace")).isEqualTo("default");
            String token = data(filled, "token");
            TokenReview review = review(token);
            assertThat(review.getStatus().getAuthenticated()).isTrue();
            assertThat(review.getStatus().getUser().getUsername()).isEqualTo("system:serviceaccount:default:robot");
            assertThat(review.getStatus().getUser().getUid()).isEqualTo(sa.getMetadata().getUid());

            // a tampered CA is put back, the token is kept
            client.secrets().inNamespace("default").withName("robot-token").edit(s -> new SecretBuilder(s)
                    .addToData("ca.crt", Base64.getEncoder().encodeToString("tampered".getBytes(StandardCharsets.UTF_8))).build());
            await("the CA is put back", () -> !"tampered".equals(data(secret("robot-token"), "ca.crt")));
            assertThat(data(secret("robot-token"), "token")).isEqualTo(token);

            client.serviceAccounts().inNamespace("default").withName("robot").delete();
            await("the token secret goes with its account", () -> secret("robot-token") == null);
            TokenReview after = review(token);
            assertThat(after.getStatus().getAuthenticated()).isFalse();
            assertThat(after.getStatus().getError()).contains("Token has been invalidated");
        }
    }

    @Test
    void aTokenSecretForAMissingOrReplacedAccountIsDeleted() throws Exception {
        try (var manager = manager()) {
            client.resource(new ServiceAccountBuilder().withNewMetadata().withNamespace("default").withName("robot").endMetadata().build())
                    .create();
            client.resource(tokenSecret("ghost-token", "ghost", Map.of())).create();
            client.resource(tokenSecret("stale-token", "robot", Map.of("kubernetes.io/service-account.uid", "an-older-uid"))).create();
            client.resource(tokenSecret("robot-token", "robot", Map.of())).create();
            await("the ghost's token is deleted", () -> secret("ghost-token") == null);
            await("the stale uid's token is deleted", () -> secret("stale-token") == null);
            await("the robot's token is written", () -> data(secret("robot-token"), "token") != null);
        }
    }

    private static Secret tokenSecret(String name, String account, Map<String, String> annotations) {
        return new SecretBuilder().withNewMetadata().withNamespace("default").withName(name)
                .addToAnnotations("kubernetes.io/service-account.name", account).addToAnnotations(annotations).endMetadata()
                .withType("kubernetes.io/service-account-token").build();
    }

    private Secret secret(String name) {
        return client.secrets().inNamespace("default").withName(name).get();
    }

    private TokenReview review(String token) {
        return client.resource(new TokenReviewBuilder().withNewSpec().withToken(token).endSpec().build()).create();
    }

    private static String data(Secret secret, String key) {
        if (secret == null || secret.getData() == null || secret.getData().get(key) == null) {
            return null;
        }
        return new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8);
    }
}
