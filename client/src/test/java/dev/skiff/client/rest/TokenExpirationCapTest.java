package dev.skiff.client.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.apiserver.admission.AdmissionOptions;
import dev.skiff.apiserver.controlplane.LocalControlPlane;
import dev.skiff.apiserver.registry.core.serviceaccount.TokenExpiration;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --service-account-max-token-expiration 2h on a real server, with the extension on (as by default)
 * and off: longer requests get 2 h, shorter ones what they asked for, and a kubelet's pod-bound 3607 s
 * request a year with warnafter only while the extension is on - past the cap, as upstream.
 */
class TokenExpirationCapTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long TWO_HOURS = 7200;
    @TempDir
    static Path dir;
    private static LocalControlPlane extending;
    private static LocalControlPlane strict;
    private static KubernetesClient withExtension;
    private static KubernetesClient withoutExtension;

    @BeforeAll
    static void start() {
        var admission = AdmissionOptions.disabling(List.of("ServiceAccount"));
        extending = LocalControlPlane.start(dir.resolve("extending"), 0, admission, TokenExpiration.of(Duration.ofHours(2), true));
        strict = LocalControlPlane.start(dir.resolve("strict"), 0, admission, TokenExpiration.of(Duration.ofHours(2), false));
        withExtension = RestClients.fromKubeconfig(extending.kubeconfig());
        withoutExtension = RestClients.fromKubeconfig(strict.kubeconfig());
        for (var client : List.of(withExtension, withoutExtension)) {
            client.resource(new NamespaceBuilder().withNewMetadata().withName("cap").endMetadata().build()).create();
            client.resource(new ServiceAccountBuilder().withNewMetadata().withNamespace("cap").withName("robot").endMetadata().build()).create();
            client.resource(new PodBuilder().withNewMetadata().withNamespace("cap").withName("web").endMetadata().withNewSpec()
                    .withServiceAccountName("robot").addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build()).create();
        }
    }

    @AfterAll
    static void stop() {
        withExtension.close();
        withoutExtension.close();
        extending.close();
        strict.close();
    }

    private static TokenRequest request(KubernetesClient client, long seconds, boolean podBound) {
        var spec = new TokenRequestBuilder().withNewSpec().withExpirationSeconds(seconds);
        if (podBound) {
            Pod pod = client.pods().inNamespace("cap").withName("web").get();
            spec = spec.withNewBoundObjectRef().withApiVersion("v1").withKind("Pod").withName("web")
                    .withUid(pod.getMetadata().getUid()).endBoundObjectRef();
        }
        return client.serviceAccounts().inNamespace("cap").withName("robot").tokenRequest(spec.endSpec().build());
    }

    private static JsonNode claims(TokenRequest answer) throws Exception {
        String payload = answer.getStatus().getToken().split("\\.")[1];
        return JSON.readTree(new String(Base64.getUrlDecoder().decode(payload), StandardCharsets.UTF_8));
    }

    private static long lifetime(TokenRequest answer) throws Exception {
        JsonNode claims = claims(answer);
        return claims.get("exp").asLong() - claims.get("iat").asLong();
    }

    @Test
    void aLongerRequestIsShortenedToTheCap() throws Exception {
        for (var client : List.of(withExtension, withoutExtension)) {
            Instant before = Instant.now().minusSeconds(1);
            TokenRequest day = request(client, 86400, false);
            assertThat(day.getSpec().getExpirationSeconds()).isEqualTo(TWO_HOURS);
            assertThat(lifetime(day)).isEqualTo(TWO_HOURS);
            assertThat(Instant.parse(day.getStatus().getExpirationTimestamp())).isBetween(before.plusSeconds(TWO_HOURS),
                    Instant.now().plusSeconds(TWO_HOURS + 1));
            assertThat(lifetime(request(client, 3600, false))).isEqualTo(3600);
        }
    }

    @Test
    void aKubeletsPodBoundRequestIsExtendedToAYearOnlyWithTheExtension() throws Exception {
        TokenRequest extended = request(withExtension, 3607, true);
        assertThat(lifetime(extended)).isEqualTo(TokenExpiration.EXTENDED_SECONDS);
        JsonNode claims = claims(extended);
        assertThat(claims.get("kubernetes.io").get("warnafter").asLong() - claims.get("iat").asLong()).isEqualTo(3607);
        assertThat(extended.getSpec().getExpirationSeconds()).isEqualTo(3607);

        TokenRequest plain = request(withoutExtension, 3607, true);
        assertThat(lifetime(plain)).isEqualTo(3607);
        assertThat(claims(plain).get("kubernetes.io").has("warnafter")).isFalse();
        // not pod-bound: never extended
        assertThat(lifetime(request(withExtension, 3607, false))).isEqualTo(3607);
    }
}
