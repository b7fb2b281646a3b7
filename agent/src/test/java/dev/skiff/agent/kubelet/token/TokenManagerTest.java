package dev.skiff.agent.kubelet.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.apiserver.controlplane.LocalControlPlane;
import dev.skiff.client.rest.RestClients;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node's token cache against the real API server: reuse while fresh, renewal at 80% of the lifetime, pods' tokens dropped. */
class TokenManagerTest {

    private static TokenRequest podBound(Pod pod, long seconds) {
        return new TokenRequestBuilder().withNewSpec().withExpirationSeconds(seconds).withNewBoundObjectRef().withApiVersion("v1")
                .withKind("Pod").withName(pod.getMetadata().getName()).withUid(pod.getMetadata().getUid()).endBoundObjectRef()
                .endSpec().build();
    }

    @Test
    void aTokenIsReusedUntilEightyPercentOfItsLifetimeThenRenewed(@TempDir Path dir) throws Exception {
        try (var cp = LocalControlPlane.start(dir); KubernetesClient client = RestClients.fromKubeconfig(cp.kubeconfig())) {
            client.resource(new ServiceAccountBuilder().withNewMetadata().withNamespace("default").withName("robot").endMetadata().build())
                    .create();
            Pod pod = client.resource(new PodBuilder().withNewMetadata().withNamespace("default").withName("web").endMetadata()
                    .withNewSpec().withServiceAccountName("robot").addNewContainer().withName("c").withImage("busybox").endContainer()
                    .endSpec().build()).create();
            var now = new AtomicReference<>(Instant.now());
            InstantSource clock = now::get;
            var tokens = new TokenManager(client, clock);

            TokenRequest first = tokens.serviceAccountToken("default", "robot", podBound(pod, 3600));
            var review = client.resource(new TokenReviewBuilder().withNewSpec().withToken(first.getStatus().getToken()).endSpec().build())
                    .create();
            assertThat(review.getStatus().getUser().getUsername()).isEqualTo("system:serviceaccount:default:robot");
            assertThat(review.getStatus().getUser().getExtra().get("authentication.kubernetes.io/pod-name")).containsExactly("web");

            now.set(now.get().plus(Duration.ofMinutes(40))); // 67% of an hour: still fresh
            assertThat(tokens.serviceAccountToken("default", "robot", podBound(pod, 3600)).getStatus().getToken())
                    .isEqualTo(first.getStatus().getToken());
            now.set(now.get().plus(Duration.ofMinutes(9))); // 82%: renewed
            TokenRequest renewed = tokens.serviceAccountToken("default", "robot", podBound(pod, 3600));
            assertThat(renewed.getStatus().getToken()).isNotEqualTo(first.getStatus().getToken());

            // another lifetime is another token; the pod's tokens go with it
            tokens.serviceAccountToken("default", "robot", podBound(pod, 7200));
            assertThat(tokens.cached()).isEqualTo(2);
            tokens.deleteServiceAccountToken(pod.getMetadata().getUid());
            assertThat(tokens.cached()).isZero();

            // a pod running as another service account gets no token for this one
            assertThatThrownBy(() -> tokens.serviceAccountToken("default", "default", podBound(pod, 3600)))
                    .isInstanceOf(IOException.class)
                    .hasMessage("failed to fetch token: serviceaccounts \"default\" not found");
        }
    }

    @Test
    void aTokenIsRenewedADayAfterItWasIssuedWhateverItsLifetime(@TempDir Path dir) throws Exception {
        try (var cp = LocalControlPlane.start(dir); KubernetesClient client = RestClients.fromKubeconfig(cp.kubeconfig())) {
            client.resource(new ServiceAccountBuilder().withNewMetadata().withNamespace("default").withName("default").endMetadata().build())
                    .create();
            var now = new AtomicReference<>(Instant.now());
            var tokens = new TokenManager(client, now::get);
            TokenRequest week = new TokenRequestBuilder().withNewSpec().withExpirationSeconds(7L * 24 * 3600).endSpec().build();
            TokenRequest first = tokens.serviceAccountToken("default", "default", week);
            now.set(now.get().plus(Duration.ofHours(23)));
            assertThat(tokens.serviceAccountToken("default", "default", week).getStatus().getToken()).isEqualTo(first.getStatus().getToken());
            now.set(now.get().plus(Duration.ofHours(1)).plusSeconds(1));
            assertThat(tokens.serviceAccountToken("default", "default", week).getStatus().getToken()).isNotEqualTo(first.getStatus().getToken());
        }
    }
}
