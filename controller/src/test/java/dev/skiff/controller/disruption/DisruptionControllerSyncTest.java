package dev.skiff.controller.disruption;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.controller.ControllerContext;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.SharedInformerFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The disruption controller's sync against in-memory caches (informers never started, objects put
 * into their indexers) with the status writes captured, as upstream's disruption_test.go does; the
 * client points nowhere (events fail and are logged). Controllers the listers know need no server.
 */
class DisruptionControllerSyncTest {
    private static final Instant NOW = Instant.parse("2026-12-03T06:00:00Z");

    private KubernetesClient client;
    private SharedInformerFactory informers;
    private final List<PodDisruptionBudget> written = new ArrayList<>();
    private DisruptionController controller;

    @BeforeEach
    void setUp() {
        client = new KubernetesClientBuilder().withConfig(new ConfigBuilder().withMasterUrl("http://127.0.0.1:1")
                .withRequestRetryBackoffLimit(0).build()).build();
        informers = client.informers();
        controller = new DisruptionController(new ControllerContext(client, informers, Clock.fixed(NOW, ZoneOffset.UTC), 1), written::add);
    }

    @AfterEach
    void tearDown() throws Exception {
        controller.close();
        client.close();
    }

    @Test
    void maxUnavailablePercentIsOfTheDeploymentsScaleRoundedUp() {
        add(new DeploymentBuilder().withNewMetadata().withName("web").withNamespace("default").withUid("d1").endMetadata()
                .withNewSpec().withReplicas(4).endSpec().build());
        ReplicaSet rs = new ReplicaSetBuilder().withNewMetadata().withName("web-1").withNamespace("default").withUid("rs1")
                .addToOwnerReferences(owner("apps/v1", "Deployment", "web", "d1")).endMetadata().withNewSpec().withReplicas(4).endSpec().build();
        add(rs);
        for (int i = 0; i < 4; i++) {
            add(pod("web-" + i, Map.of("app", "web"), i < 3, owner("apps/v1", "ReplicaSet", "web-1", "rs1")));
        }
        add(budget("pdb", selector("app", "web"), null, new IntOrString("25%")));

        controller.sync("default/pdb");

        var s = lastStatus();
        assertThat(s.getExpectedPods()).isEqualTo(4);
        assertThat(s.getDesiredHealthy()).as("4 - ceil(25% of 4)").isEqualTo(3);
        assertThat(s.getCurrentHealthy()).isEqualTo(3);
        assertThat(s.getDisruptionsAllowed()).isZero();
        assertThat(s.getObservedGeneration()).isEqualTo(2L);
        assertThat(s.getConditions()).singleElement().satisfies(c -> {
            assertThat(c.getType()).isEqualTo("DisruptionAllowed");
            assertThat(c.getStatus()).isEqualTo("False");
            assertThat(c.getReason()).isEqualTo("InsufficientPods");
            assertThat(c.getObservedGeneration()).isEqualTo(2L);
            assertThat(c.getLastTransitionTime()).isEqualTo("2026-12-03T06:00:00Z");
        });
    }

    @Test
    void minAvailablePercentIsOfTheStatefulSetsScaleAndACountNeedsOnlyThePods() {
        add(new StatefulSetBuilder().withNewMetadata().withName("db").withNamespace("default").withUid("ss1").endMetadata()
                .withNewSpec().withReplicas(5).endSpec().build());
        for (int i = 0; i < 3; i++) {
            add(pod("db-" + i, Map.of("app", "db"), true, owner("apps/v1", "StatefulSet", "db", "ss1")));
        }
        add(budget("percent", selector("app", "db"), new IntOrString("50%"), null));
        controller.sync("default/percent");
        var s = lastStatus();
        assertThat(List.of(s.getExpectedPods(), s.getDesiredHealthy(), s.getCurrentHealthy(), s.getDisruptionsAllowed()))
                .as("expected 5 (the set's scale), desired ceil(2.5), 3 healthy").containsExactly(5, 3, 3, 0);

        // unmanaged pods are fine for a count: expected is just the matching pods
        add(pod("loose-1", Map.of("app", "loose"), true, null));
        add(pod("loose-2", Map.of("app", "loose"), true, null));
        Pod leaving = pod("loose-3", Map.of("app", "loose"), true, null);
        leaving.getMetadata().setDeletionTimestamp("2026-12-03T05:59:00Z");
        add(leaving);
        add(budget("count", selector("app", "loose"), new IntOrString(1), null));
        controller.sync("default/count");
        s = lastStatus();
        assertThat(List.of(s.getExpectedPods(), s.getDesiredHealthy(), s.getCurrentHealthy(), s.getDisruptionsAllowed()))
                .as("3 pods expected, 2 healthy (one is being deleted), 1 required").containsExactly(3, 1, 2, 1);
        assertThat(s.getConditions().getFirst().getReason()).isEqualTo("SufficientPods");
        assertThat(s.getConditions().getFirst().getStatus()).isEqualTo("True");
    }

    @Test
    void anEmptySelectorCoversTheWholeNamespaceAndAMissingOneNothing() {
        add(pod("a", Map.of("app", "a"), true, null));
        add(pod("b", Map.of(), true, null));
        Pod elsewhere = pod("c", Map.of(), true, null);
        elsewhere.getMetadata().setNamespace("other");
        add(elsewhere);
        add(budget("all", new LabelSelector(), new IntOrString(0), null));
        controller.sync("default/all");
        assertThat(lastStatus().getExpectedPods()).isEqualTo(2);
        assertThat(lastStatus().getDisruptionsAllowed()).isEqualTo(2);

        add(budget("none", null, new IntOrString(0), null));
        controller.sync("default/none");
        assertThat(lastStatus().getExpectedPods()).isZero();
        assertThat(lastStatus().getDisruptionsAllowed()).as("a budget expecting no pods allows nothing").isZero();
    }

    @Test
    void disruptedPodsStayUntilDeletedOrTimedOutAndDoNotCountAsHealthy() {
        for (String name : List.of("fresh", "stale", "going", "other")) {
            add(pod(name, Map.of("app", "web"), true, null));
        }
        informers.getExistingSharedIndexInformer(Pod.class).getIndexer().list().stream()
                .filter(p -> p.getMetadata().getName().equals("going")).forEach(p -> p.getMetadata().setDeletionTimestamp("2026-12-03T06:00:00Z"));
        PodDisruptionBudget pdb = budget("pdb", selector("app", "web"), new IntOrString(1), null);
        pdb.getStatus().setDisruptedPods(Map.of("fresh", "2026-12-03T05:59:30Z", "stale", "2026-12-03T05:57:59Z",
                "going", "2026-12-03T05:59:50Z", "gone", "2026-12-03T05:59:55Z"));
        add(pdb);

        controller.sync("default/pdb");

        var s = lastStatus();
        assertThat(s.getDisruptedPods()).as("only the fresh entry of a pod not yet being deleted stays")
                .isEqualTo(Map.of("fresh", "2026-12-03T05:59:30Z"));
        assertThat(s.getCurrentHealthy()).as("stale and other; fresh is about to go, going is going").isEqualTo(2);
        assertThat(s.getDisruptionsAllowed()).isEqualTo(1);
    }

    @Test
    void aStatusAlreadyUpToDateIsNotWrittenAgain() {
        add(pod("a", Map.of("app", "a"), true, null));
        PodDisruptionBudget pdb = budget("pdb", selector("app", "a"), new IntOrString(1), null);
        add(pdb);
        controller.sync("default/pdb");
        assertThat(written).hasSize(1);
        add(written.getFirst());
        controller.sync("default/pdb");
        assertThat(written).as("nothing changed, nothing written").hasSize(1);
    }

    @Test
    void failsSafeWhenTheStatusCannotBeComputed() {
        add(pod("a", Map.of("app", "a"), true, null));
        PodDisruptionBudget pdb = budget("bad", new LabelSelectorBuilder().addNewMatchExpression().withKey("app").withOperator("Near")
                .withValues("a").endMatchExpression().build(), new IntOrString(0), null);
        pdb.getStatus().setDisruptionsAllowed(3);
        pdb.getStatus().setObservedGeneration(1L);
        add(pdb);

        controller.sync("default/bad");

        var s = lastStatus();
        assertThat(s.getDisruptionsAllowed()).isZero();
        assertThat(s.getObservedGeneration()).as("the generation was not observed").isEqualTo(1L);
        assertThat(s.getConditions()).singleElement().satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("False");
            assertThat(c.getReason()).isEqualTo("SyncFailed");
            assertThat(c.getMessage()).isEqualTo("\"Near\" is not a valid label selector operator");
        });
        add(written.getLast());
        controller.sync("default/bad");
        assertThat(written).as("failing safe again for the same reason writes nothing").hasSize(1);
    }

    @Test
    void aPodWhoseControllerIsUnknownFailsThePercentBudgetSafe() {
        // a ReplicaSet the cache does not hold: upstream's finders find nothing, the scale fallback asks the server (unreachable here)
        add(pod("a", Map.of("app", "a"), true, owner("apps/v1", "ReplicaSet", "gone", "rs-gone")));
        add(budget("pdb", selector("app", "a"), null, new IntOrString(1)));
        controller.sync("default/pdb");
        assertThat(lastStatus().getConditions().getFirst().getReason()).isEqualTo("SyncFailed");
        assertThat(lastStatus().getDisruptionsAllowed()).isZero();
    }

    private io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetStatus lastStatus() {
        assertThat(written).isNotEmpty();
        return written.getLast().getStatus();
    }

    /** Puts {@code object} into its never-started informer's cache (fabric8's own in-memory CacheImpl). */
    @SuppressWarnings("unchecked")
    private <T extends io.fabric8.kubernetes.api.model.HasMetadata> void add(T object) {
        var indexer = informers.getExistingSharedIndexInformer((Class<T>) object.getClass()).getIndexer();
        ((io.fabric8.kubernetes.client.informers.impl.cache.CacheImpl<T>) indexer).put(object);
    }

    private static LabelSelector selector(String key, String value) {
        return new LabelSelectorBuilder().addToMatchLabels(key, value).build();
    }

    private static PodDisruptionBudget budget(String name, LabelSelector selector, IntOrString minAvailable, IntOrString maxUnavailable) {
        return new PodDisruptionBudgetBuilder().withNewMetadata().withName(name).withNamespace("default").withGeneration(2L)
                .withResourceVersion("7").endMetadata()
                .withNewSpec().withSelector(selector).withMinAvailable(minAvailable).withMaxUnavailable(maxUnavailable).endSpec()
                .withNewStatus().endStatus().build();
    }

    private static io.fabric8.kubernetes.api.model.OwnerReference owner(String apiVersion, String kind, String name, String uid) {
        return new OwnerReferenceBuilder().withApiVersion(apiVersion).withKind(kind).withName(name).withUid(uid).withController(true).build();
    }

    private static Pod pod(String name, Map<String, String> labels, boolean ready, io.fabric8.kubernetes.api.model.OwnerReference owner) {
        var b = new PodBuilder().withNewMetadata().withName(name).withNamespace("default").withLabels(labels).endMetadata()
                .withNewStatus().withPhase("Running").addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition()
                .endStatus();
        if (owner != null) {
            b.editMetadata().addToOwnerReferences(owner).endMetadata();
        }
        return b.build();
    }
}
