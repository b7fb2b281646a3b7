package dev.skiff.apiserver.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.api.errors.ApiException;
import dev.skiff.apiserver.authn.UserInfo;
import dev.skiff.apiserver.endpoints.Warnings;
import dev.skiff.apiserver.request.RequestInfoResolver;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LimitRange;
import io.fabric8.kubernetes.api.model.LimitRangeBuilder;
import io.fabric8.kubernetes.api.model.LimitRangeItemBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LimitRangerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<LimitRange> ranges = new ArrayList<>();
    private final LimitRanger plugin = new LimitRanger(ns -> ns.equals("team") ? ranges : List.of());
    private final AdmissionChain chain = new AdmissionChain(List.of(plugin));
    private final UserInfo user = new UserInfo("a", List.of());

    private static Map<String, Quantity> q(String... pairs) {
        var out = new java.util.LinkedHashMap<String, Quantity>();
        for (int i = 0; i < pairs.length; i += 2) {
            out.put(pairs[i], new Quantity(pairs[i + 1]));
        }
        return out;
    }

    private static LimitRange range(String name, LimitRangeItemBuilder... items) {
        return new LimitRangeBuilder().withNewMetadata().withName(name).withNamespace("team").endMetadata().withNewSpec()
                .withLimits(java.util.Arrays.stream(items).map(LimitRangeItemBuilder::build).toList()).endSpec().build();
    }

    private JsonNode admit(String namespace, String body) throws Exception {
        var admitted = chain.admit(new AdmissionAttributes(user, RequestInfoResolver.resolve("POST", "/api/v1/namespaces/" + namespace + "/pods", Map.of()),
                "application/json", body.getBytes(StandardCharsets.UTF_8)));
        return JSON.readTree(admitted.body());
    }

    private void validate(String path, HasMetadata object, HasMetadata old) {
        chain.forObjects(user, RequestInfoResolver.resolve(old == null ? "POST" : "PUT", path, Map.of()), new Warnings())
                .admit(object, old, false);
    }

    private static Pod pod(String name, ContainerBuilder... containers) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace("team").endMetadata().withNewSpec()
                .withContainers(java.util.Arrays.stream(containers).map(ContainerBuilder::build).toList()).endSpec().build();
    }

    private static ContainerBuilder container(String name, Map<String, Quantity> requests, Map<String, Quantity> limits) {
        return new ContainerBuilder().withName(name).withImage("busybox").withNewResources().withRequests(requests).withLimits(limits).endResources();
    }

    @Test
    void containersAndInitContainersGetTheDefaultsTheyLackAndTheAnnotationSaysWhich() throws Exception {
        ranges.add(range("defaults", new LimitRangeItemBuilder().withType("Container").withDefault(q("cpu", "500m", "memory", "0.5Gi"))
                .withDefaultRequest(q("cpu", "0.1", "memory", "128Mi"))));
        JsonNode pod = admit("team", """
                {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{
                 "initContainers":[{"name":"init","image":"busybox","resources":{"limits":{"cpu":"1"}}}],
                 "containers":[{"name":"a","image":"busybox"},{"name":"b","image":"busybox","resources":{"requests":{"memory":"64Mi"}}}]}}""");
        JsonNode a = pod.at("/spec/containers/0/resources");
        assertThat(a.at("/limits/cpu").asText()).isEqualTo("500m");
        assertThat(a.at("/limits/memory").asText()).isEqualTo("512Mi");
        assertThat(a.at("/requests/cpu").asText()).isEqualTo("100m");
        assertThat(a.at("/requests/memory").asText()).isEqualTo("128Mi");
        assertThat(pod.at("/spec/containers/1/resources/requests/memory").asText()).isEqualTo("64Mi");
        // a limit the pod states is its request too (upstream's pod defaulting runs before admission)
        assertThat(pod.at("/spec/initContainers/0/resources/requests/cpu").asText()).isEqualTo("1");
        assertThat(pod.at("/spec/initContainers/0/resources/limits/cpu").asText()).isEqualTo("1");
        assertThat(pod.at("/metadata/annotations/kubernetes.io~1limit-ranger").asText()).isEqualTo("LimitRanger plugin set: "
                + "cpu, memory request for container a; cpu, memory limit for container a; cpu request for container b; "
                + "cpu, memory limit for container b; memory request for init container init; memory limit for init container init");
    }

    @Test
    void aNamespaceWithoutDefaultsLeavesTheBodyAsSent() throws Exception {
        String body = "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"a\"}]}}";
        var attributes = new AdmissionAttributes(user, RequestInfoResolver.resolve("POST", "/api/v1/namespaces/other/pods", Map.of()),
                "application/json", body.getBytes(StandardCharsets.UTF_8));
        assertThat(chain.admit(attributes)).isSameAs(attributes);
        ranges.add(range("bounds", new LimitRangeItemBuilder().withType("Container").withMax(q("cpu", "1"))));
        JsonNode pod = admit("team", body);
        assertThat(pod.at("/metadata/annotations").isMissingNode()).isTrue();
        assertThat(pod.at("/spec/containers/0/resources/limits/cpu").isMissingNode()).isTrue();
    }

    @Test
    void containerMinMaxAndRatioAreCheckedWithUpstreamsMessages() {
        ranges.add(range("bounds", new LimitRangeItemBuilder().withType("Container").withMin(q("cpu", "100m", "memory", "64Mi"))
                .withMax(q("cpu", "2")).withMaxLimitRequestRatio(q("cpu", "4"))));
        assertThatCode(() -> validate("/api/v1/namespaces/team/pods", pod("ok", container("c", q("cpu", "200m", "memory", "64Mi"), q("cpu", "800m"))), null))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> validate("/api/v1/namespaces/team/pods", pod("p", container("c", q("cpu", "50m"), q("cpu", "3"))), null))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(403);
                    assertThat(e.reason()).isEqualTo("Forbidden");
                    assertThat(e.getMessage()).isEqualTo("pods \"p\" is forbidden: [minimum cpu usage per Container is 100m, but request is 50m, "
                            + "minimum memory usage per Container is 64Mi.  No request is specified, "
                            + "maximum cpu usage per Container is 2, but limit is 3, "
                            + "cpu max limit to request ratio per Container is 4, but provided ratio is 60.000000]");
                });
        assertThatThrownBy(() -> validate("/api/v1/namespaces/team/pods", pod("q", container("c", q("cpu", "1", "memory", "1Gi"), q())), null))
                .hasMessage("pods \"q\" is forbidden: [maximum cpu usage per Container is 2.  No limit is specified, "
                        + "cpu max limit to request ratio per Container is 4, but no limit is specified or limit is 0]");
        assertThatThrownBy(() -> validate("/api/v1/namespaces/team/pods", pod("r", container("c", q("cpu", "3", "memory", "1Gi"), q("cpu", "1"))), null))
                .hasMessage("pods \"r\" is forbidden: maximum cpu usage per Container is 2, but request is 3");
        // pod updates are not checked: containers' resources cannot change
        Pod bad = pod("p", container("c", q("cpu", "50m"), q("cpu", "3")));
        assertThatCode(() -> validate("/api/v1/namespaces/team/pods/p", bad, bad)).doesNotThrowAnyException();
    }

    @Test
    void podItemsMeasureTheSumOfTheContainers() {
        ranges.add(range("pod", new LimitRangeItemBuilder().withType("Pod").withMax(q("memory", "1Gi")).withMin(q("cpu", "300m"))));
        assertThatThrownBy(() -> validate("/api/v1/namespaces/team/pods",
                pod("p", container("a", q("cpu", "100m", "memory", "512Mi"), q("memory", "768Mi")),
                        container("b", q("cpu", "100m", "memory", "512Mi"), q("memory", "512Mi"))), null))
                .hasMessage("pods \"p\" is forbidden: [minimum cpu usage per Pod is 300m, but request is 200m, "
                        + "maximum memory usage per Pod is 1Gi, but limit is 1280Mi]");
    }

    @Test
    void claimsAreCheckedOnCreateAndUpdateAgainstStorageMinAndMax() {
        ranges.add(range("storage", new LimitRangeItemBuilder().withType("PersistentVolumeClaim").withMin(q("storage", "1Gi"))
                .withMax(q("storage", "10Gi"))));
        PersistentVolumeClaim small = claim("small", "500Mi");
        assertThatThrownBy(() -> validate("/api/v1/namespaces/team/persistentvolumeclaims", small, null))
                .hasMessage("persistentvolumeclaims \"small\" is forbidden: minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi");
        PersistentVolumeClaim fine = claim("fine", "5Gi");
        assertThatCode(() -> validate("/api/v1/namespaces/team/persistentvolumeclaims", fine, null)).doesNotThrowAnyException();
        assertThatThrownBy(() -> validate("/api/v1/namespaces/team/persistentvolumeclaims/fine", claim("fine", "20Gi"), fine))
                .hasMessage("persistentvolumeclaims \"fine\" is forbidden: maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi");
        var deleting = claim("fine", "5Gi");
        deleting.getMetadata().setDeletionTimestamp("2026-01-01T00:00:00Z");
        assertThatCode(() -> validate("/api/v1/namespaces/team/persistentvolumeclaims/fine", claim("fine", "20Gi"), deleting))
                .doesNotThrowAnyException();
    }

    @Test
    void theFirstLimitRangeWithViolationsRefusesAndRepeatedMessagesShowOnce() {
        ranges.add(range("a", new LimitRangeItemBuilder().withType("Container").withMax(q("cpu", "1"))));
        ranges.add(range("b", new LimitRangeItemBuilder().withType("Container").withMax(q("memory", "1Gi"))));
        assertThatThrownBy(() -> validate("/api/v1/namespaces/team/pods",
                pod("p", container("x", q(), q("cpu", "2", "memory", "2Gi")), container("y", q(), q("cpu", "2", "memory", "2Gi"))), null))
                .hasMessage("pods \"p\" is forbidden: maximum cpu usage per Container is 1, but limit is 2");
        assertThat(LimitRanger.aggregate(List.of("x", "y", "x"))).isEqualTo("[x, y]");
    }

    private static PersistentVolumeClaim claim(String name, String storage) {
        return new PersistentVolumeClaimBuilder().withNewMetadata().withName(name).withNamespace("team").endMetadata().withNewSpec()
                .withAccessModes("ReadWriteOnce").withNewResources().withRequests(Map.of("storage", new Quantity(storage))).endResources()
                .endSpec().build();
    }
}
