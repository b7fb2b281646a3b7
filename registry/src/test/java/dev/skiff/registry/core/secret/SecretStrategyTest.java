package dev.skiff.registry.core.secret;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
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
        assertThat(strategy.validateUpdate(changed, old)).extracting(c -> c.field())
                .containsExactly("type", "data[a b]", "data[tls.crt]", "data[tls.key]");
    }

    @Test
    void eachWellKnownTypeNeedsItsKeys() {
        assertThat(causes("kubernetes.io/service-account-token", Map.of(), Map.of()))
                .containsExactly("FieldValueRequired metadata.annotations[kubernetes.io/service-account.name]");
        assertThat(causes("kubernetes.io/service-account-token", Map.of(), Map.of("kubernetes.io/service-account.name", "default")))
                .isEmpty();
        assertThat(causes("kubernetes.io/dockerconfigjson", Map.of(), Map.of()))
                .containsExactly("FieldValueRequired data[.dockerconfigjson]");
        assertThat(causes("kubernetes.io/dockerconfigjson", Map.of(".dockerconfigjson", b64("{\"auths\":")), Map.of()))
                .containsExactly("FieldValueInvalid data[.dockerconfigjson]");
        assertThat(causes("kubernetes.io/dockercfg", Map.of(".dockercfg", b64("{}")), Map.of())).isEmpty();
        assertThat(causes("kubernetes.io/dockercfg", Map.of(".dockercfg", b64("[]")), Map.of()))
                .containsExactly("FieldValueInvalid data[.dockercfg]");
        assertThat(causes("kubernetes.io/dockercfg", Map.of(".dockercfg", b64("{} {}")), Map.of()))
                .containsExactly("FieldValueInvalid data[.dockercfg]");
        assertThat(causes("kubernetes.io/dockercfg", Map.of(".dockercfg", ""), Map.of()))
                .containsExactly("FieldValueInvalid data[.dockercfg]");
        assertThat(causes("kubernetes.io/basic-auth", Map.of(), Map.of()))
                .containsExactly("FieldValueRequired data[username]", "FieldValueRequired data[password]");
        assertThat(causes("kubernetes.io/basic-auth", Map.of("password", ""), Map.of())).isEmpty();
        assertThat(causes("kubernetes.io/ssh-auth", Map.of("ssh-privatekey", ""), Map.of()))
                .containsExactly("FieldValueRequired data[ssh-privatekey]");
        assertThat(causes("kubernetes.io/tls", Map.of("tls.crt", b64("c")), Map.of())).containsExactly("FieldValueRequired data[tls.key]");
        assertThat(causes("example.com/anything", Map.of(), Map.of())).isEmpty();
    }

    @Test
    void theDataHoldsAtMostOneMebibyte() {
        String big = Base64.getEncoder().encodeToString(new byte[1024 * 1024 + 1]);
        assertThat(causes("Opaque", Map.of("a", big), Map.of())).containsExactly("FieldValueTooLong data");
        // the values count, not the keys: exactly 1 MiB of data is fine
        assertThat(causes("Opaque", Map.of("a", Base64.getEncoder().encodeToString(new byte[1024 * 1024])), Map.of())).isEmpty();
    }

    private List<String> causes(String type, Map<String, String> data, Map<String, String> annotations) {
        Secret secret = new SecretBuilder().withNewMetadata().withName("s").withAnnotations(annotations).endMetadata()
                .withType(type).withData(data).build();
        strategy.prepareForCreate(secret);
        return strategy.validate(secret).stream().map(c -> c.type() + " " + c.field()).toList();
    }

    private static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
