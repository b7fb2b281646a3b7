package dev.skiff.registry.core.namespace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.api.errors.ApiException;
import dev.skiff.registry.generic.DeleteOptions;
import dev.skiff.registry.generic.GenericRegistry;
import dev.skiff.store.embedded.EmbeddedStore;
import dev.skiff.store.embedded.EmbeddedStoreConfig;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import java.nio.file.Path;
import java.time.Clock;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NamespaceStrategyTest {

    @Test
    void namespacesTerminateAndStayUntilTheirFinalizersAreCleared(@TempDir Path dir) {
        try (var store = EmbeddedStore.open(EmbeddedStoreConfig.defaults(dir))) {
            var namespaces = new GenericRegistry<>(store, NamespaceStrategy.RESOURCE, new NamespaceStrategy(), Clock.systemUTC(), new SplittableRandom(3));
            Namespace created = namespaces.create(null, new NamespaceBuilder().withNewMetadata().withName("team").endMetadata().build(), false);
            assertThat(created.getStatus().getPhase()).isEqualTo("Active");
            assertThat(created.getSpec().getFinalizers()).containsExactly("kubernetes");
            assertThat(created.getMetadata().getLabels()).containsEntry("kubernetes.io/metadata.name", "team");
            assertThat(created.getMetadata().getNamespace()).isNull();

            var deleting = namespaces.delete(null, "team", DeleteOptions.DEFAULT);
            assertThat(deleting.removed()).isFalse();
            assertThat(deleting.object().getStatus().getPhase()).isEqualTo("Terminating");
            assertThat(deleting.object().getMetadata().getDeletionTimestamp()).isNotNull();
            assertThat(namespaces.get(null, "team").getStatus().getPhase()).isEqualTo("Terminating");
            assertThatThrownBy(() -> namespaces.delete(null, "team", DeleteOptions.DEFAULT))
                    .isInstanceOfSatisfying(ApiException.class, e -> {
                        assertThat(e.code()).isEqualTo(409);
                        assertThat(e.getMessage()).endsWith(NamespaceStrategy.BEING_EMPTIED);
                    });

            // the main resource cannot drop spec.finalizers; the finalize subresource can, and that ends it
            Namespace current = namespaces.get(null, "team");
            Namespace cleared = new NamespaceBuilder(current).editSpec().withFinalizers().endSpec().build();
            assertThat(namespaces.update(null, "team", cleared, false).object().getSpec().getFinalizers()).containsExactly("kubernetes");
            var finalized = namespaces.withUpdateStrategy(NamespaceStrategy.finalizeStrategy()).update(null, "team", cleared, false);
            assertThat(finalized.deleted()).isTrue();
            assertThatThrownBy(() -> namespaces.get(null, "team")).isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(404));
        }
    }

    @Test
    void namespacesAreClusterScopedWithLabelNames(@TempDir Path dir) {
        try (var store = EmbeddedStore.open(EmbeddedStoreConfig.defaults(dir))) {
            var namespaces = new GenericRegistry<>(store, NamespaceStrategy.RESOURCE, new NamespaceStrategy(), Clock.systemUTC(), new SplittableRandom(3));
            assertThatThrownBy(() -> namespaces.create(null, new NamespaceBuilder().withNewMetadata().withName("a.b").endMetadata().build(), false))
                    .hasMessage("Namespace \"a.b\" is invalid: metadata.name: Invalid value: \"a.b\": must not contain dots"); // v1.33 IsDNS1123Label
            assertThatThrownBy(() -> namespaces.create(null, new NamespaceBuilder().withNewMetadata().withName("x").withNamespace("y").endMetadata().build(), false))
                    .hasMessage("Namespace \"x\" is invalid: metadata.namespace: Forbidden: not allowed on this type");
        }
    }
}
