package dev.skiff.agent.credentialprovider;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DockerKeyringTest {
    private static DockerKeyring keyring(String... locations) {
        Map<String, AuthConfig> config = new LinkedHashMap<>();
        for (String location : locations) {
            config.put(location, AuthConfig.basic("user-" + location, "pw"));
        }
        return new DockerKeyring().add(config);
    }

    private static List<String> users(DockerKeyring keyring, String repository) {
        return keyring.lookup(repository).stream().map(AuthConfig::username).toList();
    }

    @Test
    void aHostMatchesItsRepositoriesOnlyWithTheSamePort() {
        var keyring = keyring("127.0.0.1:5000", "registry.example.com");
        assertThat(users(keyring, "127.0.0.1:5000/busybox")).containsExactly("user-127.0.0.1:5000");
        assertThat(users(keyring, "127.0.0.1:5001/busybox")).isEmpty();
        assertThat(users(keyring, "127.0.0.1/busybox")).isEmpty();
        assertThat(users(keyring, "registry.example.com/team/app")).containsExactly("user-registry.example.com");
        assertThat(users(keyring, "registry.example.com:443/team/app")).as("no port is not port 443").isEmpty();
        assertThat(users(keyring, "other.example.com/team/app")).isEmpty();
    }

    @Test
    void schemesAndV1V2PathsAreDroppedFromLocations() {
        assertThat(DockerKeyring.key("https://registry.example.com/v1/")).isEqualTo("registry.example.com");
        assertThat(DockerKeyring.key("http://registry.example.com:5000/v2/")).isEqualTo("registry.example.com:5000");
        assertThat(DockerKeyring.key("registry.example.com/v2/team")).isEqualTo("registry.example.com/team");
        assertThat(DockerKeyring.key("registry.example.com/")).isEqualTo("registry.example.com");
        assertThat(DockerKeyring.key("registry.example.com/team")).isEqualTo("registry.example.com/team");
        var keyring = keyring("https://registry.example.com:5000/v2/");
        assertThat(users(keyring, "registry.example.com:5000/app")).hasSize(1);
    }

    @Test
    void aPathIsAPrefixAndTheMostSpecificLocationComesFirst() {
        var keyring = keyring("quay.io", "quay.io/team", "quay.io/team/app");
        assertThat(users(keyring, "quay.io/team/app")).containsExactly("user-quay.io/team/app", "user-quay.io/team", "user-quay.io");
        assertThat(users(keyring, "quay.io/team/other")).containsExactly("user-quay.io/team", "user-quay.io");
        assertThat(users(keyring, "quay.io/elsewhere/app")).containsExactly("user-quay.io");
        // a plain string prefix, as upstream's
        assertThat(users(keyring, "quay.io/teamwork/app")).containsExactly("user-quay.io/team", "user-quay.io");
    }

    @Test
    void hostLabelsMayBeGlobsOverTheSameNumberOfLabels() {
        var keyring = keyring("*.example.com", "reg?.example.org", "r[a-c].example.net");
        assertThat(users(keyring, "eu.example.com/app")).containsExactly("user-*.example.com");
        assertThat(users(keyring, "example.com/app")).as("* is one label").isEmpty();
        assertThat(users(keyring, "a.b.example.com/app")).as("* is one label").isEmpty();
        assertThat(users(keyring, "reg1.example.org/app")).containsExactly("user-reg?.example.org");
        assertThat(users(keyring, "reg12.example.org/app")).isEmpty();
        assertThat(users(keyring, "rb.example.net/app")).containsExactly("user-r[a-c].example.net");
        assertThat(users(keyring, "rd.example.net/app")).isEmpty();
        assertThat(users(keyring("r[.example.com"), "ra.example.com/app")).as("a malformed pattern matches nothing").isEmpty();
    }

    @Test
    void severalCredentialsForOneLocationAreAllTriedInOrder() {
        var keyring = new DockerKeyring().add(Map.of("registry.example.com", AuthConfig.basic("first", "1")))
                .add(Map.of("registry.example.com", AuthConfig.basic("second", "2")));
        assertThat(users(keyring, "registry.example.com/app")).containsExactly("first", "second");
    }

    @Test
    void dockerHubImagesFallBackToIndexDockerIoCredentials() {
        var keyring = keyring("https://index.docker.io/v1/");
        assertThat(users(keyring, "docker.io/library/busybox")).containsExactly("user-https://index.docker.io/v1/");
        assertThat(users(keyring, "docker.io/someone/app")).hasSize(1);
        assertThat(users(keyring, "quay.io/someone/app")).isEmpty();
        assertThat(users(keyring, "localhost/app")).isEmpty();
        assertThat(DockerKeyring.isDefaultRegistry("busybox")).isTrue();
        assertThat(DockerKeyring.isDefaultRegistry("someone/app")).isTrue();
        assertThat(DockerKeyring.isDefaultRegistry("localhost:5000/app")).isFalse();
        assertThat(DockerKeyring.isDefaultRegistry("127.0.0.1:5000/app")).isFalse();
    }

    @Test
    void ipv6HostsKeepTheirPortApart() {
        var keyring = keyring("[::1]:5000");
        assertThat(users(keyring, "[::1]:5000/app")).hasSize(1);
        assertThat(users(keyring, "[::1]:5001/app")).isEmpty();
    }
}
