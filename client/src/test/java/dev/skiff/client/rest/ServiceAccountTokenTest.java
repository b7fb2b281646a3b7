package dev.skiff.client.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.apiserver.controlplane.LocalControlPlane;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Service-account tokens through the real server with the fabric8 client: serviceaccounts/token
 * (TokenRequest) and its errors, requests authenticated with the tokens, TokenReview, tokens refused
 * once their service account or pod is gone, and the ServiceAccount admission on pods.
 */
class ServiceAccountTokenTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ISSUER = "https://kubernetes.default.svc.cluster.local";
    @TempDir
    static Path dir;
    private static LocalControlPlane cp;
    private static KubernetesClient admin;

    @BeforeAll
    static void start() {
        cp = LocalControlPlane.start(dir, 0, Set.of()); // every admission plugin, ServiceAccount included
        admin = RestClients.fromKubeconfig(cp.kubeconfig());
    }

    @AfterAll
    static void stop() {
        admin.close();
        cp.close();
    }

    private static ServiceAccount account(String ns, String name) {
        return admin.resource(new ServiceAccountBuilder().withNewMetadata().withNamespace(ns).withName(name).endMetadata().build()).create();
    }

    private static void namespace(String name) {
        admin.resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
    }

    private static TokenRequest request(String ns, String account, TokenRequest request) {
        return admin.serviceAccounts().inNamespace(ns).withName(account).tokenRequest(request);
    }

    /** A client that presents only the bearer token (no client certificate). */
    private static KubernetesClient withToken(String token) {
        Config config = RestClients.config(cp.kubeconfig());
        config.setClientCertData(null);
        config.setClientKeyData(null);
        config.setOauthToken(token);
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    private static JsonNode whoAmI(String token) throws Exception {
        try (var client = withToken(token)) {
            return JSON.readTree(RawRequests.send(client, "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews",
                    java.util.Map.of("apiVersion", "authentication.k8s.io/v1", "kind", "SelfSubjectReview")));
        }
    }

    private static int status(String token) {
        try (var client = withToken(token)) {
            RawRequests.send(client, "GET", "/api/v1/namespaces/default/configmaps", null);
            return 200;
        } catch (KubernetesClientException e) {
            return e.getCode();
        }
    }

    private static JsonNode claims(String token) throws Exception {
        return JSON.readTree(new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]), StandardCharsets.UTF_8));
    }

    private static Pod pod(String ns, String name, String serviceAccount) {
        return new PodBuilder().withNewMetadata().withNamespace(ns).withName(name).endMetadata().withNewSpec()
                .withServiceAccountName(serviceAccount).addNewInitContainer().withName("init").withImage("busybox").endInitContainer()
                .addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build();
    }

    @Test
    void aTokenRequestIsAnsweredWithASignedTokenForTheServersAudience() throws Exception {
        namespace("tr1");
        ServiceAccount sa = account("tr1", "robot");
        Instant before = Instant.now().minusSeconds(1);
        TokenRequest answer = request("tr1", "robot", new TokenRequestBuilder().withNewSpec().endSpec().build());
        assertThat(answer.getMetadata().getName()).isEqualTo("robot");
        assertThat(answer.getMetadata().getNamespace()).isEqualTo("tr1");
        assertThat(answer.getSpec().getAudiences()).containsExactly(ISSUER);
        assertThat(answer.getSpec().getExpirationSeconds()).isEqualTo(3600L);
        Instant expires = Instant.parse(answer.getStatus().getExpirationTimestamp());
        assertThat(expires).isBetween(before.plusSeconds(3600), Instant.now().plusSeconds(3601));
        JsonNode claims = claims(answer.getStatus().getToken());
        assertThat(claims.get("sub").asText()).isEqualTo("system:serviceaccount:tr1:robot");
        assertThat(claims.get("exp").asLong()).isEqualTo(expires.getEpochSecond());
        assertThat(claims.get("kubernetes.io").get("serviceaccount").get("uid").asText()).isEqualTo(sa.getMetadata().getUid());

        JsonNode who = whoAmI(answer.getStatus().getToken());
        assertThat(who.get("status").get("userInfo").get("username").asText()).isEqualTo("system:serviceaccount:tr1:robot");
        assertThat(who.get("status").get("userInfo").get("uid").asText()).isEqualTo(sa.getMetadata().getUid());
        assertThat(who.get("status").get("userInfo").get("groups").toString())
                .isEqualTo("[\"system:serviceaccounts\",\"system:serviceaccounts:tr1\",\"system:authenticated\"]");

        // another audience: fine for a TokenReview asking for it, not for the API server itself
        TokenRequest vault = request("tr1", "robot", new TokenRequestBuilder().withNewSpec().withAudiences("vault")
                .withExpirationSeconds(600L).endSpec().build());
        assertThat(status(vault.getStatus().getToken())).isEqualTo(401);
        TokenReview review = admin.resource(new TokenReviewBuilder().withNewSpec().withToken(vault.getStatus().getToken())
                .withAudiences("vault", "other").endSpec().build()).create();
        assertThat(review.getStatus().getAuthenticated()).isTrue();
        assertThat(review.getStatus().getAudiences()).containsExactly("vault");
        assertThat(review.getStatus().getUser().getUsername()).isEqualTo("system:serviceaccount:tr1:robot");
        TokenReview forApi = admin.resource(new TokenReviewBuilder().withNewSpec().withToken(vault.getStatus().getToken())
                .endSpec().build()).create();
        assertThat(forApi.getStatus().getAuthenticated()).isFalse();
    }

    @Test
    void badTokenRequestsGetUpstreamsErrors() {
        namespace("tr2");
        account("tr2", "robot");
        account("tr2", "other");
        assertThatThrownBy(() -> request("tr2", "robot", new TokenRequestBuilder().withNewSpec().withExpirationSeconds(60L).endSpec().build()))
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(422);
                    assertThat(e.getStatus().getReason()).isEqualTo("Invalid");
                    assertThat(e.getStatus().getMessage()).isEqualTo("TokenRequest.authentication.k8s.io \"\" is invalid: "
                            + "spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes");
                    assertThat(e.getStatus().getDetails().getCauses().getFirst().getField()).isEqualTo("spec.expirationSeconds");
                });
        assertThatThrownBy(() -> request("tr2", "ghost", new TokenRequestBuilder().withNewSpec().endSpec().build()))
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(404);
                    assertThat(e.getStatus().getMessage()).isEqualTo("serviceaccounts \"ghost\" not found");
                });
        assertThatThrownBy(() -> request("tr2", "robot", new TokenRequestBuilder().withNewSpec().withNewBoundObjectRef()
                .withKind("ConfigMap").withApiVersion("v1").withName("x").endBoundObjectRef().endSpec().build()))
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(400);
                    assertThat(e.getStatus().getMessage()).isEqualTo("cannot bind token to object of type /v1, Kind=ConfigMap");
                });
        assertThatThrownBy(() -> request("tr2", "robot", new TokenRequestBuilder().withNewSpec().withNewBoundObjectRef()
                .withKind("Pod").withApiVersion("v1").withName("missing").endBoundObjectRef().endSpec().build()))
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(404));
        Pod pod = admin.resource(pod("tr2", "p", "other")).create();
        assertThatThrownBy(() -> request("tr2", "robot", new TokenRequestBuilder().withNewSpec().withNewBoundObjectRef()
                .withKind("Pod").withApiVersion("v1").withName("p").endBoundObjectRef().endSpec().build()))
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(400);
                    assertThat(e.getStatus().getMessage())
                            .isEqualTo("cannot bind token for serviceaccount \"robot\" to pod running with different serviceaccount name.");
                });
        assertThatThrownBy(() -> request("tr2", "other", new TokenRequestBuilder().withNewSpec().withNewBoundObjectRef()
                .withKind("Pod").withApiVersion("v1").withName("p").withUid("not-" + pod.getMetadata().getUid()).endBoundObjectRef()
                .endSpec().build()))
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(409);
                    assertThat(e.getStatus().getMessage()).startsWith("Operation cannot be fulfilled on Pod \"p\": the UID in the bound "
                            + "object reference (not-" + pod.getMetadata().getUid() + ") does not match the UID in record.");
                });
    }

    @Test
    void aTokenStopsWorkingWhenItsPodOrServiceAccountIsGone() {
        namespace("tr3");
        account("tr3", "robot");
        Pod pod = admin.resource(pod("tr3", "web", "robot")).create();
        TokenRequest bound = request("tr3", "robot", new TokenRequestBuilder().withNewSpec().withNewBoundObjectRef().withKind("Pod")
                .withApiVersion("v1").withName("web").withUid(pod.getMetadata().getUid()).endBoundObjectRef().endSpec().build());
        String podToken = bound.getStatus().getToken();
        String plainToken = request("tr3", "robot", new TokenRequestBuilder().withNewSpec().endSpec().build()).getStatus().getToken();
        assertThat(status(podToken)).isEqualTo(200);
        assertThat(status(plainToken)).isEqualTo(200);
        TokenReview review = admin.resource(new TokenReviewBuilder().withNewSpec().withToken(podToken).endSpec().build()).create();
        assertThat(review.getStatus().getUser().getExtra())
                .containsEntry("authentication.kubernetes.io/pod-name", List.of("web"))
                .containsEntry("authentication.kubernetes.io/pod-uid", List.of(pod.getMetadata().getUid()));

        admin.pods().inNamespace("tr3").withName("web").withGracePeriod(0).delete();
        admin.pods().inNamespace("tr3").withName("web").waitUntilCondition(p -> p == null, 10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(status(podToken)).isEqualTo(401);
        assertThat(status(plainToken)).isEqualTo(200);

        // the same name again is another service account: the old tokens name the old uid
        admin.serviceAccounts().inNamespace("tr3").withName("robot").delete();
        admin.serviceAccounts().inNamespace("tr3").withName("robot").waitUntilCondition(s -> s == null, 10,
                java.util.concurrent.TimeUnit.SECONDS);
        assertThat(status(plainToken)).isEqualTo(401);
        account("tr3", "robot");
        assertThat(status(plainToken)).isEqualTo(401);
        String fresh = request("tr3", "robot", new TokenRequestBuilder().withNewSpec().endSpec().build()).getStatus().getToken();
        assertThat(status(fresh)).isEqualTo(200);
        assertThat(status(fresh.substring(0, fresh.length() - 4) + "AAAA")).isEqualTo(401);
    }

    @Test
    void podsRunAsAServiceAccountThatExistsAndGetTheTokenVolume() {
        namespace("adm");
        account("adm", "default");
        Pod created = admin.resource(pod("adm", "auto", null)).create();
        assertThat(created.getSpec().getServiceAccountName()).isEqualTo("default");
        List<Volume> volumes = created.getSpec().getVolumes();
        assertThat(volumes).hasSize(1);
        Volume volume = volumes.getFirst();
        assertThat(volume.getName()).matches("kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}");
        var projected = volume.getProjected();
        assertThat(projected.getDefaultMode()).isEqualTo(0644);
        assertThat(projected.getSources()).hasSize(3);
        assertThat(projected.getSources().get(0).getServiceAccountToken().getPath()).isEqualTo("token");
        assertThat(projected.getSources().get(0).getServiceAccountToken().getExpirationSeconds()).isEqualTo(3607L);
        assertThat(projected.getSources().get(1).getConfigMap().getName()).isEqualTo("kube-root-ca.crt");
        assertThat(projected.getSources().get(1).getConfigMap().getItems().getFirst().getKey()).isEqualTo("ca.crt");
        assertThat(projected.getSources().get(2).getDownwardAPI().getItems().getFirst().getFieldRef().getFieldPath())
                .isEqualTo("metadata.namespace");
        for (var c : List.of(created.getSpec().getInitContainers().getFirst(), created.getSpec().getContainers().getFirst())) {
            assertThat(c.getVolumeMounts()).singleElement().satisfies(m -> {
                assertThat(m.getName()).isEqualTo(volume.getName());
                assertThat(m.getMountPath()).isEqualTo("/var/run/secrets/kubernetes.io/serviceaccount");
                assertThat(m.getReadOnly()).isTrue();
            });
        }

        // opted out on the pod, or on its service account
        Pod optedOut = admin.resource(new PodBuilder(pod("adm", "no-token", "default")).editSpec().withAutomountServiceAccountToken(false)
                .endSpec().build()).create();
        assertThat(optedOut.getSpec().getVolumes()).isNullOrEmpty();
        admin.resource(new ServiceAccountBuilder().withNewMetadata().withNamespace("adm").withName("quiet").endMetadata()
                .withAutomountServiceAccountToken(false).addNewImagePullSecret("registry-cred").build()).create();
        Pod quiet = admin.resource(pod("adm", "quiet", "quiet")).create();
        assertThat(quiet.getSpec().getVolumes()).isNullOrEmpty();
        assertThat(quiet.getSpec().getImagePullSecrets()).extracting(s -> s.getName()).containsExactly("registry-cred");

        // a token the pod gets for its volume's source is bound to it and extended, as upstream's
        TokenRequest forPod = request("adm", "default", new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3607L)
                .withNewBoundObjectRef().withKind("Pod").withApiVersion("v1").withName("auto").endBoundObjectRef().endSpec().build());
        assertThat(Instant.parse(forPod.getStatus().getExpirationTimestamp())).isBefore(Instant.now().plus(Duration.ofHours(2)));
        try {
            JsonNode claims = claims(forPod.getStatus().getToken());
            assertThat(claims.get("exp").asLong() - claims.get("iat").asLong()).isEqualTo(365L * 24 * 3600);
            assertThat(claims.get("kubernetes.io").get("warnafter").asLong() - claims.get("iat").asLong()).isEqualTo(3607);
        } catch (Exception e) {
            throw new AssertionError(e);
        }

        assertThatThrownBy(() -> admin.resource(pod("adm", "ghostly", "ghost")).create())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(403);
                    assertThat(e.getStatus().getReason()).isEqualTo("Forbidden");
                    assertThat(e.getStatus().getMessage()).isEqualTo("pods \"ghostly\" is forbidden: error looking up service account "
                            + "adm/ghost: serviceaccount \"ghost\" not found");
                });
        assertThat(admin.pods().inNamespace("adm").withName("ghostly").get()).isNull();
    }

    @Test
    void aPodWaitsBrieflyForTheDefaultServiceAccountThenIsRefused() throws Exception {
        namespace("late");
        var creator = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(700); // as the serviceaccount controller does, a moment after the namespace
            } catch (InterruptedException e) {
                return;
            }
            account("late", "default");
        });
        Pod pod = admin.resource(pod("late", "first", null)).create();
        creator.join();
        assertThat(pod.getSpec().getServiceAccountName()).isEqualTo("default");

        namespace("never");
        long start = System.nanoTime();
        assertThatThrownBy(() -> admin.resource(pod("never", "p", null)).create())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(403);
                    assertThat(e.getStatus().getMessage()).isEqualTo("pods \"p\" is forbidden: error looking up service account "
                            + "never/default: serviceaccount \"default\" not found");
                });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofSeconds(2));
    }
}
