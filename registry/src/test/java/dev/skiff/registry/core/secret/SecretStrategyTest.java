package dev.skiff.registry.core.secret;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SecretStrategyTest {
    private final SecretStrategy strategy = new SecretStrategy();

    @Test
    void createDefaultsTypeAndMergesStringData() {
        Secret secret = new SecretBuilder().withNewMetadata().withName("s").endMetadata()
                .withData(Map.of("a", "eA==")).withStringData(Map.of("b", "pw")).build();
        strategy.prepareForCreate(secret);
        assertThat(secret.getType()).isEqualTo("Opaque");
        assertThat(secret.getData()).containsEntry("a", "eA==").containsEntry("b", "cHc=");
        assertThat(secret.getStringData()).isNull();
        assertThat(strategy.validate(secret)).isEmpty();
    }

    @Test
    void typeIsImmutableAndKeysAreConfigKeys() {
        Secret old = new SecretBuilder().withNewMetadata().withName("s").endMetadata().withType("Opaque").build();
        Secret changed = new SecretBuilder().withNewMetadata().withName("s").endMetadata().withType("kubernetes.io/tls")
                .withData(Map.of("a b", "")).build();
        assertThat(strategy.validateUpdate(changed, old)).extracting(c -> c.field()).containsExactly("type", "data[a b]");
    }
}
