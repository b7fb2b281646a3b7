package dev.skiff.registry.core.pod;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.registry.generic.GenericRegistry;
import dev.skiff.registry.policy.poddisruptionbudget.PodDisruptionBudgetStrategy;
import dev.skiff.registry.storage.ListOptions;
import dev.skiff.store.embedded.EmbeddedStore;
import dev.skiff.store.embedded.EmbeddedStoreConfig;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.EvictionBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import java.nio.file.Path;
import java.time.Clock;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** pods/eviction on the registries alone: what it reads from the watch cache it leaves as it was. */
class EvictionRestTest {
    @TempDir
    Path dir;
    EmbeddedStore store;
    GenericRegistry<Pod> pods;
    GenericRegistry<PodDisruptionBudget> budgets;

    @BeforeEach
    void open() {
        store = EmbeddedStore.open(EmbeddedStoreConfig.defaults(dir));
        pods = new GenericRegistry<>(store, PodStrategy.RESOURCE, new PodStrategy(), Clock.systemUTC(), new SplittableRandom(5));
        budgets = new GenericRegistry<>(store, PodDisruptionBudgetStrategy.RESOURCE, new PodDisruptionBudgetStrategy(), Clock.systemUTC(),
                new SplittableRandom(6));
    }

    @AfterEach
    void close() {
        store.close();
    }

    /**
     * The budget an eviction lists is the watch cache's object, shared with every other request: an
     * eviction that spent the disruption on it in place let a concurrent eviction copy its pod into
     * disruptedPods (the KubectlDrainTest flake: a pod never evicted kept out of currentHealthy).
     */
    @Test
    void spendsTheDisruptionOnItsOwnCopyOfTheListedBudget() {
        Pod pod = pods.create("default", PodStrategyTest.pod("web-1", "busybox").editMetadata().addToLabels("app", "web").endMetadata()
                .build(), false);
        pods.subresource("status").orElseThrow().update("default", "web-1", new PodBuilder(pod).editStatus().withPhase("Running")
                .withConditions().addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus().build(), false);
        PodDisruptionBudget budget = budgets.create("default", new PodDisruptionBudgetBuilder().withNewMetadata().withName("web").endMetadata()
                .withNewSpec().withNewSelector().addToMatchLabels("app", "web").endSelector().withMinAvailable(new IntOrString(1)).endSpec()
                .build(), false);
        budgets.subresource("status").orElseThrow().update("default", "web", new PodDisruptionBudgetBuilder(budget).withNewStatus()
                .withObservedGeneration(budget.getMetadata().getGeneration()).withDisruptionsAllowed(1).withCurrentHealthy(2)
                .withDesiredHealthy(1).withExpectedPods(2).endStatus().build(), false);
        PodDisruptionBudget listed = budgets.list("default", ListOptions.latest()).items().getFirst();

        new EvictionRest(pods, budgets, Clock.systemUTC()).evict("default", "web-1",
                new EvictionBuilder().withNewMetadata().withName("web-1").withNamespace("default").endMetadata().build(), false);

        assertThat(budgets.get("default", "web").getStatus().getDisruptedPods()).as("stored").containsOnlyKeys("web-1");
        assertThat(listed.getStatus().getDisruptionsAllowed()).as("the cached object the eviction read").isEqualTo(1);
        assertThat(listed.getStatus().getDisruptedPods()).as("the cached object the eviction read").isNullOrEmpty();
        assertThat(listed.getStatus().getConditions()).isNullOrEmpty();
    }
}
