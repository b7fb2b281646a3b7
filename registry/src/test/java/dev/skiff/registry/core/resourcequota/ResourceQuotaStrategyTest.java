package dev.skiff.registry.core.resourcequota;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.registry.generic.GenericRegistry;
import dev.skiff.store.embedded.EmbeddedStore;
import dev.skiff.store.embedded.EmbeddedStoreConfig;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import io.fabric8.kubernetes.api.model.ResourceQuotaBuilder;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResourceQuotaStrategyTest {
    private final ResourceQuotaStrategy strategy = new ResourceQuotaStrategy();

    static ResourceQuota quota(Map<String, String> hard, String... scopes) {
        var builder = new ResourceQuotaBuilder().withNewMetadata().withName("q").withNamespace("ns").endMetadata().withNewSpec()
                .withScopes(scopes).endSpec();
        hard.forEach((k, v) -> builder.editSpec().addToHard(k, new Quantity(v)).endSpec());
        return builder.build();
    }

    private List<String> errors(ResourceQuota quota) {
        strategy.prepareForCreate(quota);
        return strategy.validate(quota).stream().map(c -> c.field() + ": " + c.message()).toList();
    }

    @Test
    void hardQuantitiesMustBeValidForTheirResource() {
        assertThat(errors(quota(Map.of("pods", "10", "requests.cpu", "500m", "count/deployments.apps", "2", "requests.storage", "10Gi"))))
                .isEmpty();
        assertThat(errors(quota(Map.of("cpu", "-1")))).containsExactly("spec.hard[cpu]: Invalid value: \"-1\": must be greater than or equal to 0");
        assertThat(errors(quota(Map.of("pods", "1500m")))).containsExactly("spec.hard[pods]: Invalid value: \"1500m\": must be an integer");
        assertThat(errors(quota(Map.of("storage", "1Gi"))))
                .containsExactly("spec.hard[storage]: Invalid value: \"storage\": must be a standard resource for quota");
        assertThat(errors(quota(Map.of("gpus", "1")))).containsExactly(
                "spec.hard[gpus]: Invalid value: \"gpus\": must be a standard resource type or fully qualified",
                "spec.hard[gpus]: Invalid value: \"gpus\": must be a standard resource for quota");
    }

    @Test
    void scopesMustBeKnownApplicableAndNotConflicting() {
        assertThat(errors(quota(Map.of("pods", "1"), "BestEffort"))).isEmpty();
        assertThat(errors(quota(Map.of("cpu", "1"), "BestEffort"))).containsExactly(
                "spec.scopes: Invalid value: []core.ResourceQuotaScope{\"BestEffort\"}: unsupported scope applied to resource");
        assertThat(errors(quota(Map.of("pods", "1"), "Terminating", "NotTerminating"))).containsExactly(
                "spec.scopes: Invalid value: []core.ResourceQuotaScope{\"Terminating\", \"NotTerminating\"}: conflicting scopes");
        assertThat(errors(quota(Map.of("pods", "1"), "Sometimes"))).containsExactly(
                "spec.scopes: Invalid value: []core.ResourceQuotaScope{\"Sometimes\"}: unsupported scope");
        ResourceQuota old = quota(Map.of("pods", "1"), "BestEffort");
        ResourceQuota changed = quota(Map.of("pods", "1"), "NotBestEffort");
        strategy.prepareForUpdate(changed, old);
        assertThat(strategy.validateUpdate(changed, old)).extracting(c -> c.field() + ": " + c.message()).containsExactly(
                "spec.scopes: Invalid value: []core.ResourceQuotaScope{\"NotBestEffort\"}: field is immutable");
    }

    @Test
    void statusIsWrittenOnlyThroughTheStatusSubresource(@TempDir Path dir) throws Exception {
        try (var store = EmbeddedStore.open(EmbeddedStoreConfig.defaults(dir))) {
            var registry = new GenericRegistry<>(store, ResourceQuotaStrategy.RESOURCE, strategy, Clock.systemUTC(), new SplittableRandom(1));
            ResourceQuota input = quota(Map.of("pods", "10"));
            input.setStatus(new io.fabric8.kubernetes.api.model.ResourceQuotaStatus(Map.of("pods", new Quantity("99")), Map.of()));
            ResourceQuota created = registry.create("ns", input, false);
            assertThat(created.getStatus().getHard()).isNullOrEmpty();
            ResourceQuota status = quota(Map.of("pods", "1"));
            status.setStatus(new io.fabric8.kubernetes.api.model.ResourceQuotaStatus(Map.of("pods", new Quantity("10")),
                    Map.of("pods", new Quantity("3"))));
            ResourceQuota written = registry.subresource("status").orElseThrow().update("ns", "q", status, false).object();
            assertThat(written.getStatus().getUsed()).containsEntry("pods", new Quantity("3"));
            assertThat(written.getSpec().getHard()).containsEntry("pods", new Quantity("10"));
            ResourceQuota badStatus = quota(Map.of("pods", "10"));
            badStatus.setStatus(new io.fabric8.kubernetes.api.model.ResourceQuotaStatus(Map.of(), Map.of("pods", new Quantity("-1"))));
            org.assertj.core.api.Assertions.assertThatThrownBy(
                    () -> registry.subresource("status").orElseThrow().update("ns", "q", badStatus, false))
                    .hasMessageContaining("status.used[pods]: Invalid value: \"-1\": must be greater than or equal to 0");
        }
    }
}
