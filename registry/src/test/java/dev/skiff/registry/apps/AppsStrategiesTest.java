package dev.skiff.registry.apps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.api.errors.ApiException;
import dev.skiff.registry.apps.daemonset.DaemonSetStrategy;
import dev.skiff.registry.apps.deployment.DeploymentStrategy;
import dev.skiff.registry.apps.replicaset.ReplicaSetStrategy;
import dev.skiff.registry.apps.statefulset.StatefulSetStrategy;
import dev.skiff.registry.generic.GenericRegistry;
import dev.skiff.store.embedded.EmbeddedStore;
import dev.skiff.store.embedded.EmbeddedStoreConfig;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Deployments, ReplicaSets, StatefulSets and DaemonSets through the generic registry on the embedded store. */
class AppsStrategiesTest {
    @TempDir
    Path dir;
    EmbeddedStore store;
    GenericRegistry<Deployment> deployments;

    @BeforeEach
    void open() {
        store = EmbeddedStore.open(EmbeddedStoreConfig.defaults(dir));
        deployments = new GenericRegistry<>(store, DeploymentStrategy.RESOURCE, new DeploymentStrategy(), Clock.systemUTC(),
                new SplittableRandom(1));
    }

    @AfterEach
    void close() {
        store.close();
    }

    static PodTemplateSpec template(Map<String, String> labels) {
        return new PodTemplateSpecBuilder().withNewMetadata().withLabels(labels).endMetadata()
                .withNewSpec().addNewContainer().withName("web").withImage("nginx").endContainer().endSpec().build();
    }

    static Deployment deployment(String name, Map<String, String> selector, Map<String, String> labels) {
        return new DeploymentBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec()
                .withSelector(new LabelSelectorBuilder().withMatchLabels(selector).build())
                .withTemplate(template(labels)).endSpec().build();
    }

    private static List<StatusCause> causes(Runnable action) {
        try {
            action.run();
        } catch (ApiException e) {
            assertThat(e.code()).isEqualTo(422);
            return e.status().getDetails().getCauses();
        }
        throw new AssertionError("expected a 422");
    }

    @Test
    void deploymentDefaultsAsUpstream() {
        Deployment d = deployments.create("default", deployment("web", Map.of("app", "web"), Map.of("app", "web")), false);
        var spec = d.getSpec();
        assertThat(spec.getReplicas()).isEqualTo(1);
        assertThat(spec.getStrategy().getType()).isEqualTo("RollingUpdate");
        assertThat(spec.getStrategy().getRollingUpdate().getMaxUnavailable()).isEqualTo(new IntOrString("25%"));
        assertThat(spec.getStrategy().getRollingUpdate().getMaxSurge()).isEqualTo(new IntOrString("25%"));
        assertThat(spec.getRevisionHistoryLimit()).isEqualTo(10);
        assertThat(spec.getProgressDeadlineSeconds()).isEqualTo(600);
        var pod = spec.getTemplate().getSpec();
        assertThat(pod.getRestartPolicy()).isEqualTo("Always");
        assertThat(pod.getDnsPolicy()).isEqualTo("ClusterFirst");
        assertThat(pod.getSchedulerName()).isEqualTo("default-scheduler");
        assertThat(pod.getTerminationGracePeriodSeconds()).isEqualTo(30L);
        assertThat(pod.getContainers().getFirst().getImagePullPolicy()).isEqualTo("Always");
        assertThat(pod.getContainers().getFirst().getTerminationMessagePath()).isEqualTo("/dev/termination-log");
        assertThat(d.getMetadata().getGeneration()).isEqualTo(1L);
    }

    @Test
    void selectorMustMatchTemplateLabels() {
        var causes = causes(() -> deployments.create("default", deployment("web", Map.of("app", "web"), Map.of("app", "other")), false));
        assertThat(causes).extracting(StatusCause::getField, StatusCause::getMessage).containsExactly(
                org.assertj.core.groups.Tuple.tuple("spec.template.metadata.labels",
                        "Invalid value: map[string]string{\"app\":\"other\"}: `selector` does not match template `labels`"));
    }

    @Test
    void selectorRequiredReplicasNonNegativeAndTemplateRestartsAlways() {
        Deployment d = deployment("web", Map.of("app", "web"), Map.of("app", "web"));
        d.getSpec().setSelector(null);
        d.getSpec().setReplicas(-1);
        d.getSpec().getTemplate().getSpec().setRestartPolicy("Never");
        var causes = causes(() -> deployments.create("default", d, false));
        assertThat(causes).extracting(StatusCause::getField, StatusCause::getMessage).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("spec.replicas", "Invalid value: -1: must be greater than or equal to 0"),
                org.assertj.core.groups.Tuple.tuple("spec.selector", "Required value"),
                org.assertj.core.groups.Tuple.tuple("spec.template.spec.restartPolicy",
                        "Unsupported value: \"Never\": supported values: \"Always\""));
    }

    @Test
    void templateNeedsContainersWithImages() {
        Deployment d = deployment("web", Map.of("app", "web"), Map.of("app", "web"));
        d.getSpec().getTemplate().getSpec().getContainers().getFirst().setImage(null);
        assertThat(causes(() -> deployments.create("default", d, false))).extracting(StatusCause::getField)
                .containsExactly("spec.template.spec.containers[0].image");
        d.getSpec().getTemplate().getSpec().setContainers(List.of());
        assertThat(causes(() -> deployments.create("default", d, false))).extracting(StatusCause::getField)
                .containsExactly("spec.template.spec.containers");
    }

    @Test
    void selectorIsImmutableStatusKeptAndGenerationBumpsOnSpecChange() {
        Deployment created = deployments.create("default", deployment("web", Map.of("app", "web"), Map.of("app", "web", "v", "1")), false);
        // a status written through the status strategy survives a spec update, which may not change it
        var status = deployments.withUpdateStrategy(new DeploymentStrategy().subresourceStrategies().get("status"));
        Deployment withStatus = new DeploymentBuilder(created).withStatus(new DeploymentStatusBuilder().withReplicas(3).build()).build();
        withStatus.getSpec().setReplicas(9); // ignored by the status strategy
        Deployment afterStatus = status.update("default", "web", withStatus, false).object();
        assertThat(afterStatus.getStatus().getReplicas()).isEqualTo(3);
        assertThat(afterStatus.getSpec().getReplicas()).isEqualTo(1);
        assertThat(afterStatus.getMetadata().getGeneration()).isEqualTo(1L);

        Deployment scaled = new DeploymentBuilder(afterStatus).withStatus(null).build();
        scaled.getSpec().setReplicas(2);
        Deployment updated = deployments.update("default", "web", scaled, false).object();
        assertThat(updated.getStatus().getReplicas()).isEqualTo(3);
        assertThat(updated.getMetadata().getGeneration()).isEqualTo(2L);

        Deployment reselected = new DeploymentBuilder(updated).build();
        reselected.getSpec().setSelector(new LabelSelectorBuilder().withMatchLabels(Map.of("v", "1")).build());
        assertThat(causes(() -> deployments.update("default", "web", reselected, false)))
                .extracting(StatusCause::getField, StatusCause::getMessage).containsExactly(org.assertj.core.groups.Tuple.tuple(
                        "spec.selector", "Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"v\":\"1\"}, "
                                + "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"));
    }

    @Test
    void rollingUpdateMayNotHaveBothZero() {
        Deployment d = deployment("web", Map.of("app", "web"), Map.of("app", "web"));
        d.getSpec().setStrategy(new io.fabric8.kubernetes.api.model.apps.DeploymentStrategyBuilder().withType("RollingUpdate")
                .withNewRollingUpdate().withMaxSurge(new IntOrString(0)).withMaxUnavailable(new IntOrString("0%")).endRollingUpdate().build());
        assertThat(causes(() -> deployments.create("default", d, false))).extracting(StatusCause::getMessage)
                .containsExactly("Invalid value: \"0%\": may not be 0 when `maxSurge` is 0");
    }

    @Test
    void replicaSetStatefulSetAndDaemonSetDefaults() {
        var rs = new GenericRegistry<>(store, ReplicaSetStrategy.RESOURCE, new ReplicaSetStrategy(), Clock.systemUTC(), new SplittableRandom(2));
        ReplicaSet r = rs.create("default", new ReplicaSetBuilder().withNewMetadata().withName("r").endMetadata().withNewSpec()
                .withSelector(new LabelSelectorBuilder().withMatchLabels(Map.of("a", "b")).build())
                .withTemplate(template(Map.of("a", "b"))).endSpec().build(), false);
        assertThat(r.getSpec().getReplicas()).isEqualTo(1);

        var sts = new GenericRegistry<>(store, StatefulSetStrategy.RESOURCE, new StatefulSetStrategy(), Clock.systemUTC(), new SplittableRandom(3));
        StatefulSet s = sts.create("default", new StatefulSetBuilder().withNewMetadata().withName("s").endMetadata().withNewSpec()
                .withSelector(new LabelSelectorBuilder().withMatchLabels(Map.of("a", "b")).build())
                .withTemplate(template(Map.of("a", "b"))).endSpec().build(), false);
        assertThat(s.getSpec().getReplicas()).isEqualTo(1);
        assertThat(s.getSpec().getPodManagementPolicy()).isEqualTo("OrderedReady");
        assertThat(s.getSpec().getUpdateStrategy().getType()).isEqualTo("RollingUpdate");
        assertThat(s.getSpec().getUpdateStrategy().getRollingUpdate().getPartition()).isZero();
        assertThat(s.getSpec().getRevisionHistoryLimit()).isEqualTo(10);
        assertThat(s.getSpec().getPersistentVolumeClaimRetentionPolicy().getWhenDeleted()).isEqualTo("Retain");
        StatefulSet renamed = new StatefulSetBuilder(s).build();
        renamed.getSpec().setServiceName("other");
        assertThat(causes(() -> sts.update("default", "s", renamed, false))).extracting(StatusCause::getField).containsExactly("spec");

        var ds = new GenericRegistry<>(store, DaemonSetStrategy.RESOURCE, new DaemonSetStrategy(), Clock.systemUTC(), new SplittableRandom(4));
        DaemonSet d = ds.create("default", new DaemonSetBuilder().withNewMetadata().withName("d").endMetadata().withNewSpec()
                .withSelector(new LabelSelectorBuilder().withMatchLabels(Map.of("a", "b")).build())
                .withTemplate(template(Map.of("a", "b"))).endSpec().build(), false);
        assertThat(d.getSpec().getUpdateStrategy().getRollingUpdate().getMaxUnavailable()).isEqualTo(new IntOrString(1));
        assertThat(d.getSpec().getUpdateStrategy().getRollingUpdate().getMaxSurge()).isEqualTo(new IntOrString(0));
        assertThat(d.getSpec().getRevisionHistoryLimit()).isEqualTo(10);
        DaemonSet empty = new DaemonSetBuilder(d).build();
        empty.getMetadata().setName("e");
        empty.getMetadata().setResourceVersion(null);
        empty.getSpec().setSelector(new LabelSelectorBuilder().build());
        assertThatThrownBy(() -> ds.create("default", empty, false)).isInstanceOf(ApiException.class)
                .hasMessageContaining("empty selector is invalid for daemonset");
    }
}
