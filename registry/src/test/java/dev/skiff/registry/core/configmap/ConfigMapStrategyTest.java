package dev.skiff.registry.core.configmap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.api.errors.ApiException;
import dev.skiff.registry.generic.GenericRegistry;
import dev.skiff.store.embedded.EmbeddedStore;
import dev.skiff.store.embedded.EmbeddedStoreConfig;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigMapStrategyTest {
    final ConfigMapStrategy strategy = new ConfigMapStrategy();

    static ConfigMap cm(Map<String, String> data) {
        return new ConfigMapBuilder().withNewMetadata().withName("c").withNamespace("ns").endMetadata().withData(data).build();
    }

    @Test
    void acceptsUpstreamConfigKeysAndRejectsOthersWithItsMessages() {
        assertThat(strategy.validate(cm(Map.of("key.name", "", "KEY_NAME", "", "key-name", "", ".dot", "")))).isEmpty();
        var causes = strategy.validate(cm(Map.of("a b", "x")));
        assertThat(causes).singleElement().satisfies(c -> {
            assertThat(c.field()).isEqualTo("data[a b]");
            assertThat(c.message()).isEqualTo("Invalid value: \"a b\": a valid config key must consist of alphanumeric characters, "
                    + "'-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')");
        });
        assertThat(strategy.validate(cm(Map.of("..", "")))).extracting(ApiException.Cause::message).containsExactly("Invalid value: \"..\": must not be '..'");
        assertThat(strategy.validate(cm(Map.of("..x", "")))).extracting(ApiException.Cause::message).containsExactly("Invalid value: \"..x\": must not start with '..'");
        ConfigMap both = new ConfigMapBuilder(cm(Map.of("k", "v"))).withBinaryData(Map.of("k", "AA==")).build();
        assertThat(strategy.validate(both)).extracting(ApiException.Cause::field).containsExactly("binaryData[k]");
    }

    @Test
    void immutableConfigMapsKeepTheirDataAndFlag(@TempDir Path dir) {
        try (var store = EmbeddedStore.open(EmbeddedStoreConfig.defaults(dir))) {
            var registry = new GenericRegistry<>(store, ConfigMapStrategy.RESOURCE, strategy, Clock.systemUTC(), new SplittableRandom(7));
            ConfigMap frozen = registry.create("ns", new ConfigMapBuilder(cm(Map.of("k", "v"))).withImmutable(true).build(), false);
            assertThatThrownBy(() -> registry.update("ns", "c", new ConfigMapBuilder(frozen).withData(Map.of("k", "w")).build(), false))
                    .hasMessage("ConfigMap \"c\" is invalid: data: Forbidden: field is immutable when `immutable` is set");
            assertThatThrownBy(() -> registry.update("ns", "c", new ConfigMapBuilder(frozen).withImmutable(false).build(), false))
                    .hasMessage("ConfigMap \"c\" is invalid: immutable: Forbidden: field is immutable when `immutable` is set");
            ConfigMap labelled = registry.update("ns", "c", new ConfigMapBuilder(frozen).editMetadata().withLabels(Map.of("a", "b")).endMetadata().build(), false).object();
            assertThat(labelled.getMetadata().getLabels()).containsEntry("a", "b");
        }
    }
}
