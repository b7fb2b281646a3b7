package dev.skiff.agent.credentialprovider.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.agent.credentialprovider.AuthConfig;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class PullSecretKeyringTest {
    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static Secret secret(String name, String type, String key, String json) {
        return new SecretBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata().withType(type)
                .addToData(key, b64(json)).build();
    }

    @Test
    void aDockerconfigjsonSecretGivesItsAuthsWithTheAuthFieldWinning() throws IOException {
        var secret = secret("regcred", "kubernetes.io/dockerconfigjson", ".dockerconfigjson", """
                {"auths": {
                  "127.0.0.1:5000": {"username": "ignored", "password": "ignored", "auth": "%s"},
                  "registry.example.com": {"username": "bob", "password": "pw2", "email": "bob@example.com"}
                }}""".formatted(b64("alice:pa:ss")));
        var keyring = PullSecretKeyring.of(List.of(secret));
        assertThat(keyring.lookup("127.0.0.1:5000/busybox")).containsExactly(AuthConfig.basic("alice", "pa:ss"));
        assertThat(keyring.lookup("registry.example.com/app")).containsExactly(AuthConfig.basic("bob", "pw2"));
        assertThat(keyring.lookup("127.0.0.1:5001/busybox")).isEmpty();
    }

    @Test
    void aDockercfgSecretIsTheMapItself() throws IOException {
        var secret = secret("legacy", "kubernetes.io/dockercfg", ".dockercfg", """
                {"https://127.0.0.1:5000": {"auth": "%s", "email": "x@example.com"}}""".formatted(b64("carol:pw")));
        assertThat(PullSecretKeyring.of(List.of(secret)).lookup("127.0.0.1:5000/busybox"))
                .containsExactly(AuthConfig.basic("carol", "pw"));
    }

    @Test
    void secretsAddUpInPodOrderAndOtherKeysAreIgnored() throws IOException {
        var first = secret("one", "kubernetes.io/dockerconfigjson", ".dockerconfigjson",
                "{\"auths\": {\"127.0.0.1:5000\": {\"username\": \"u1\", \"password\": \"p1\"}}}");
        var second = secret("two", "kubernetes.io/dockerconfigjson", ".dockerconfigjson",
                "{\"auths\": {\"127.0.0.1:5000\": {\"username\": \"u2\", \"password\": \"p2\"}}}");
        var opaque = new SecretBuilder().withNewMetadata().withName("opaque").endMetadata().addToData("password", b64("x")).build();
        assertThat(PullSecretKeyring.of(List.of(first, opaque, second)).lookup("127.0.0.1:5000/app"))
                .containsExactly(AuthConfig.basic("u1", "p1"), AuthConfig.basic("u2", "p2"));
    }

    @Test
    void malformedContentFailsNamingTheSecret() {
        assertThatThrownBy(() -> PullSecretKeyring.of(List.of(secret("bad", "kubernetes.io/dockerconfigjson", ".dockerconfigjson", "{not json"))))
                .isInstanceOf(IOException.class).hasMessageContaining("default/bad").hasMessageContaining(".dockerconfigjson");
        assertThatThrownBy(() -> PullSecretKeyring.of(List.of(secret("noColon", "kubernetes.io/dockerconfigjson", ".dockerconfigjson",
                "{\"auths\": {\"r.example.com\": {\"auth\": \"" + b64("nocolon") + "\"}}}"))))
                .isInstanceOf(IOException.class).hasMessageContaining("must be formatted as base64(username:password)");
    }
}
