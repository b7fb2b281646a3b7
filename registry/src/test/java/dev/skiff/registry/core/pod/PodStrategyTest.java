package dev.skiff.registry.core.pod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.api.errors.ApiException;
import dev.skiff.registry.generic.DeleteOptions;
import dev.skiff.registry.generic.GenericRegistry;
import dev.skiff.store.embedded.EmbeddedStore;
import dev.skiff.store.embedded.EmbeddedStoreConfig;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PodStrategyTest {
    @TempDir
    Path dir;
    EmbeddedStore store;
    GenericRegistry<Pod> pods;

    @BeforeEach
    void open() {
        store = EmbeddedStore.open(EmbeddedStoreConfig.defaults(dir));
        pods = new GenericRegistry<>(store, PodStrategy.RESOURCE, new PodStrategy(), Clock.systemUTC(), new SplittableRandom(5));
    }

    @AfterEach
    void close() {
        store.close();
    }

    static PodBuilder pod(String name, String... images) {
        var builder = new PodBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec().endSpec();
        for (int i = 0; i < images.length; i++) {
            builder.editSpec().addToContainers(new ContainerBuilder().withName("c" + i).withImage(images[i]).build()).endSpec();
        }
        return builder;
    }

    @Test
    void createDefaultsAsUpstreamAndStartsPending() {
        Pod created = pods.create("default", pod("web", "busybox", "nginx:1.27", "reg:5000/app:latest", "app@sha256:abc").editSpec()
                .editFirstContainer().addNewPort().withContainerPort(80).endPort().endContainer().endSpec().build(), false);
        var spec = created.getSpec();
        assertThat(spec.getRestartPolicy()).isEqualTo("Always");
        assertThat(spec.getDnsPolicy()).isEqualTo("ClusterFirst");
        assertThat(spec.getTerminationGracePeriodSeconds()).isEqualTo(30L);
        assertThat(spec.getSchedulerName()).isEqualTo("default-scheduler");
        assertThat(spec.getEnableServiceLinks()).isTrue();
        assertThat(spec.getSecurityContext()).isNotNull();
        assertThat(spec.getServiceAccountName()).isEqualTo("default");
        assertThat(spec.getServiceAccount()).isEqualTo("default");
        assertThat(spec.getPriority()).isZero();
        assertThat(spec.getPreemptionPolicy()).isEqualTo("PreemptLowerPriority");
        assertThat(spec.getTolerations()).extracting(Toleration::getKey, Toleration::getTolerationSeconds)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("node.kubernetes.io/not-ready", 300L),
                        org.assertj.core.groups.Tuple.tuple("node.kubernetes.io/unreachable", 300L));
        assertThat(spec.getContainers()).extracting(c -> c.getImagePullPolicy())
                .containsExactly("Always", "IfNotPresent", "Always", "IfNotPresent");
        assertThat(spec.getContainers().getFirst().getTerminationMessagePath()).isEqualTo("/dev/termination-log");
        assertThat(spec.getContainers().getFirst().getTerminationMessagePolicy()).isEqualTo("File");
        assertThat(spec.getContainers().getFirst().getPorts().getFirst().getProtocol()).isEqualTo("TCP");
        assertThat(created.getStatus().getPhase()).isEqualTo("Pending");
        assertThat(created.getStatus().getQosClass()).isEqualTo("BestEffort");
    }

    @Test
    void deletingABoundPodIsGracefulUntilDeletedAgainWithAShorterPeriod() {
        pods.create("default", pod("bound", "busybox").editSpec().withNodeName("n1").endSpec().build(), false);
        java.time.Instant before = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);

        var first = pods.delete("default", "bound", DeleteOptions.DEFAULT);
        assertThat(first.removed()).as("a pod a node runs waits for its kubelet").isFalse();
        var meta = pods.get("default", "bound").getMetadata();
        assertThat(meta.getDeletionGracePeriodSeconds()).as("the pod's terminationGracePeriodSeconds").isEqualTo(30L);
        assertThat(java.time.Instant.parse(meta.getDeletionTimestamp())).isBetween(before.plusSeconds(30), before.plusSeconds(32));

        String rv = meta.getResourceVersion();
        var again = pods.delete("default", "bound", new DeleteOptions(45L, null, null, null, false));
        assertThat(again.removed()).isFalse();
        assertThat(pods.get("default", "bound").getMetadata().getResourceVersion()).as("a longer period changes nothing").isEqualTo(rv);

        pods.delete("default", "bound", new DeleteOptions(10L, null, null, null, false));
        var shortened = pods.get("default", "bound").getMetadata();
        assertThat(shortened.getDeletionGracePeriodSeconds()).isEqualTo(10L);
        assertThat(java.time.Instant.parse(shortened.getDeletionTimestamp()))
                .isEqualTo(java.time.Instant.parse(meta.getDeletionTimestamp()).minusSeconds(20));

        assertThatThrownBy(() -> pods.delete("default", "bound", new DeleteOptions(0L, "other-uid", null, null, false)))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(409));
        var last = pods.delete("default", "bound", new DeleteOptions(0L, shortened.getUid(), null, null, false));
        assertThat(last.removed()).as("the kubelet's final delete, grace period 0").isTrue();
        assertThatThrownBy(() -> pods.get("default", "bound"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(404));
    }

    @Test
    void podsNoNodeRunsAreDeletedAtOnceAndFinalizersStillHoldAGracefulPod() {
        pods.create("default", pod("unbound", "busybox").build(), false);
        assertThat(pods.delete("default", "unbound", DeleteOptions.DEFAULT).removed()).as("unscheduled").isTrue();

        Pod done = pods.create("default", pod("done", "busybox").editSpec().withNodeName("n1").endSpec().build(), false);
        done.getStatus().setPhase("Succeeded");
        pods.subresource("status").orElseThrow().update("default", "done", done, false);
        assertThat(pods.delete("default", "done", DeleteOptions.DEFAULT).removed()).as("already finished").isTrue();

        pods.create("default", pod("negative", "busybox").editSpec().withNodeName("n1").endSpec().build(), false);
        pods.delete("default", "negative", new DeleteOptions(-5L, null, null, null, false));
        assertThat(pods.get("default", "negative").getMetadata().getDeletionGracePeriodSeconds()).as("negative means 1 s").isEqualTo(1L);

        pods.create("default", pod("held", "busybox").editMetadata().withFinalizers("example.com/hold").endMetadata()
                .editSpec().withNodeName("n1").endSpec().build(), false);
        pods.delete("default", "held", DeleteOptions.DEFAULT);
        assertThat(pods.delete("default", "held", new DeleteOptions(0L, null, null, null, false)).removed())
                .as("the grace period is over but a finalizer remains").isFalse();
        Pod held = pods.get("default", "held");
        assertThat(held.getMetadata().getDeletionGracePeriodSeconds()).isZero();
        held.getMetadata().setFinalizers(java.util.List.of());
        pods.update("default", "held", held, false);
        assertThatThrownBy(() -> pods.get("default", "held"))
                .as("the last finalizer's removal deletes it").isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(404));
    }

    @Test
    void qosClassFollowsRequestsAndLimits() {
        Pod guaranteed = pods.create("default", pod("g", "busybox").editSpec().editFirstContainer().withNewResources()
                .withLimits(Map.of("cpu", new Quantity("100m"), "memory", new Quantity("64Mi"))).endResources().endContainer()
                .endSpec().build(), false);
        assertThat(guaranteed.getStatus().getQosClass()).isEqualTo("Guaranteed");
        assertThat(guaranteed.getSpec().getContainers().getFirst().getResources().getRequests()).containsEntry("cpu", new Quantity("100m"));
        Pod burstable = pods.create("default", pod("b", "busybox").editSpec().editFirstContainer().withNewResources()
                .withRequests(Map.of("cpu", new Quantity("100m"))).endResources().endContainer().endSpec().build(), false);
        assertThat(burstable.getStatus().getQosClass()).isEqualTo("Burstable");
    }

    @Test
    void invalidSpecsAreRejectedWithEveryCause() {
        assertThatThrownBy(() -> pods.create("default", pod("none").build(), false))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getMessage())
                        .isEqualTo("Pod \"none\" is invalid: spec.containers: Required value"));
        Pod bad = pod("bad", "busybox", "busybox").editSpec().withRestartPolicy("Sometimes")
                .editFirstContainer().withName("Bad_Name").addNewPort().withContainerPort(70000).endPort().endContainer()
                .addNewContainer().withName("c1").endContainer().endSpec().build();
        assertThatThrownBy(() -> pods.create("default", bad, false)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.code()).isEqualTo(422);
            assertThat(e.status().getDetails().getCauses()).extracting(c -> c.getField() + ": " + c.getMessage()).containsExactly(
                    "spec.containers[0].name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 label must consist of lower case "
                            + "alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. "
                            + "'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
                    "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
                    "spec.containers[2].name: Duplicate value: \"c1\"",
                    "spec.containers[2].image: Required value",
                    "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"Never\", \"OnFailure\"");
        });
        assertThatThrownBy(() -> pods.get("default", "bad")).isInstanceOf(ApiException.class);
    }

    @Test
    void updatesMayChangeImagesAndAddTolerationsButNothingElseInTheSpec() {
        Pod created = pods.create("default", pod("web", "busybox:1.36").build(), false);
        Pod newImage = new PodBuilder(created).editSpec().editFirstContainer().withImage("busybox:1.37").endContainer()
                .addNewToleration().withKey("k").withOperator("Exists").endToleration().withActiveDeadlineSeconds(60L).endSpec().build();
        Pod updated = pods.update("default", "web", newImage, false).object();
        assertThat(updated.getSpec().getContainers().getFirst().getImage()).isEqualTo("busybox:1.37");
        assertThat(updated.getSpec().getTolerations()).hasSize(3);
        assertThat(updated.getMetadata().getGeneration()).isNull();

        Pod newPolicy = new PodBuilder(updated).editSpec().withRestartPolicy("Never").endSpec().build();
        assertThatThrownBy(() -> pods.update("default", "web", newPolicy, false)).isInstanceOfSatisfying(ApiException.class, e ->
                assertThat(e.getMessage()).isEqualTo("Pod \"web\" is invalid: spec: Forbidden: " + PodValidation.IMMUTABLE_SPEC));
        Pod dropToleration = new PodBuilder(updated).editSpec().withTolerations(updated.getSpec().getTolerations().getFirst()).endSpec().build();
        assertThatThrownBy(() -> pods.update("default", "web", dropToleration, false)).isInstanceOfSatisfying(ApiException.class, e ->
                assertThat(e.status().getDetails().getCauses()).extracting(c -> c.getField()).containsExactly("spec.tolerations"));
    }

    @Test
    void schedulingGatesMayOnlyBeRemoved() {
        Pod created = pods.create("default", pod("gated", "busybox").editSpec().addNewSchedulingGate("wait").endSpec().build(), false);
        Pod added = new PodBuilder(created).editSpec().addNewSchedulingGate("more").endSpec().build();
        assertThatThrownBy(() -> pods.update("default", "gated", added, false)).isInstanceOfSatisfying(ApiException.class, e ->
                assertThat(e.getMessage()).contains("spec.schedulingGates: Forbidden: only deletion is allowed, but found new scheduling gate 'more'"));
        Pod removed = new PodBuilder(created).editSpec().withSchedulingGates().endSpec().build();
        assertThat(pods.update("default", "gated", removed, false).object().getSpec().getSchedulingGates()).isEmpty();
    }

    @Test
    void bindingRefusesGatedPodsAndOtherTargetKinds() {
        pods.create("default", pod("gated", "busybox").editSpec().addNewSchedulingGate("wait").endSpec().build(), false);
        var binding = new io.fabric8.kubernetes.api.model.BindingBuilder().withNewMetadata().withName("gated").endMetadata()
                .withNewTarget().withKind("Node").withName("n1").endTarget().build();
        var rest = new BindingRest(pods, Clock.systemUTC());
        assertThatThrownBy(() -> rest.bind("default", "gated", binding, false)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.code()).isEqualTo(409);
            assertThat(e.getMessage()).endsWith("pod gated has non-empty .spec.schedulingGates");
        });
        var wrongKind = new io.fabric8.kubernetes.api.model.BindingBuilder(binding).editTarget().withKind("Pod").endTarget().build();
        assertThatThrownBy(() -> rest.bind("default", "gated", wrongKind, false)).isInstanceOfSatisfying(ApiException.class, e ->
                assertThat(e.getMessage()).isEqualTo("Binding \"gated\" is invalid: target.kind: Unsupported value: \"Pod\": "
                        + "supported values: \"Node\", \"<empty>\""));
        assertThat(pods.get("default", "gated").getSpec().getNodeName()).isNull();
    }
}
