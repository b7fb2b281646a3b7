package dev.skiff.registry.coordination.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.api.errors.ApiException;
import dev.skiff.registry.generic.GenericRegistry;
import dev.skiff.store.embedded.EmbeddedStore;
import dev.skiff.store.embedded.EmbeddedStoreConfig;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import java.nio.file.Path;
import java.time.Clock;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LeaseStrategyTest {
    final LeaseStrategy strategy = new LeaseStrategy();

    static LeaseBuilder lease(String name) {
        return new LeaseBuilder().withNewMetadata().withName(name).withNamespace("kube-system").endMetadata();
    }

    @Test
    void acceptsALeaderElectionLease() {
        Lease lease = lease("skiff-scheduler").withNewSpec().withHolderIdentity("node-1_abc").withLeaseDurationSeconds(15)
                .withLeaseTransitions(0).withAcquireTime(java.time.ZonedDateTime.parse("2026-01-01T00:00:00.123456Z")).withRenewTime(java.time.ZonedDateTime.parse("2026-01-01T00:00:01Z"))
                .endSpec().build();
        assertThat(strategy.validate(lease)).isEmpty();
        assertThat(strategy.validate(lease("empty").build())).isEmpty();
    }

    @Test
    void rejectsNonPositiveDurationNegativeTransitionsAndUnknownStrategyAsUpstream() {
        Lease bad = lease("l").withNewSpec().withLeaseDurationSeconds(0).withLeaseTransitions(-1).withStrategy("Newest").endSpec().build();
        assertThat(strategy.validate(bad)).extracting(ApiException.Cause::field, ApiException.Cause::message).containsExactly(
                org.assertj.core.groups.Tuple.tuple("spec.leaseDurationSeconds", "Invalid value: 0: must be greater than 0"),
                org.assertj.core.groups.Tuple.tuple("spec.leaseTransitions", "Invalid value: -1: must be greater than or equal to 0"),
                org.assertj.core.groups.Tuple.tuple("spec.strategy", "Unsupported value: \"Newest\": supported values: \"OldestEmulationVersion\""));
        Lease preferred = lease("l").withNewSpec().withPreferredHolder("b").endSpec().build();
        assertThat(strategy.validate(preferred)).extracting(ApiException.Cause::message)
                .containsExactly("Forbidden: may only be specified if `strategy` is defined");
    }

    @Test
    void registryStoresLeasesAndRefusesInvalidUpdatesWithoutWritingThem(@TempDir Path dir) {
        try (var store = EmbeddedStore.open(EmbeddedStoreConfig.defaults(dir))) {
            var registry = new GenericRegistry<>(store, LeaseStrategy.RESOURCE, strategy, Clock.systemUTC(), new SplittableRandom(3));
            Lease created = registry.create("kube-system", lease("skiff-controller-manager").withNewSpec().withHolderIdentity("a")
                    .withLeaseDurationSeconds(15).endSpec().build(), false);
            assertThat(created.getMetadata().getUid()).isNotEmpty();
            Lease invalid = new LeaseBuilder(created).editSpec().withLeaseDurationSeconds(-3).endSpec().build();
            assertThatThrownBy(() -> registry.update("kube-system", "skiff-controller-manager", invalid, false))
                    .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(422))
                    .hasMessage("Lease.coordination.k8s.io \"skiff-controller-manager\" is invalid: "
                            + "spec.leaseDurationSeconds: Invalid value: -3: must be greater than 0");
            assertThat(registry.get("kube-system", "skiff-controller-manager").getSpec().getLeaseDurationSeconds()).isEqualTo(15);
            Lease renewed = registry.update("kube-system", "skiff-controller-manager",
                    new LeaseBuilder(created).editSpec().withHolderIdentity("b").withLeaseTransitions(1).endSpec().build(), false).object();
            assertThat(renewed.getSpec().getHolderIdentity()).isEqualTo("b");
            assertThat(renewed.getMetadata().getResourceVersion()).isNotEqualTo(created.getMetadata().getResourceVersion());
        }
    }
}
