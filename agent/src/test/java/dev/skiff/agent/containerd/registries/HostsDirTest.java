package dev.skiff.agent.containerd.registries;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hosts.toml files read back with a TOML parser and checked field by field against what containerd 1.6's
 * remotes/docker/config reads (hostFileConfig: server, capabilities, ca, client, skip_verify; a {@code host} table
 * it requires; hosts tried in the file's order). That containerd really pulls with them is KubectlPrivateRegistryTest.
 */
class HostsDirTest {
    private static final TomlMapper TOML = new TomlMapper();

    @TempDir
    Path dir;

    private Registries parse(String yaml) throws Exception {
        return RegistriesTest.parse(yaml, dir);
    }

    @Test
    void mirrorEndpointsAreHostsInOrderWithTheirTlsAndNoServer() throws Exception {
        Files.writeString(dir.resolve("ca.pem"), "ca");
        Files.writeString(dir.resolve("c.pem"), "cert");
        Files.writeString(dir.resolve("c.key"), "key");
        var r = parse("""
                mirrors:
                  docker.io:
                    endpoint: ["https://z.example:5000", "http://127.0.0.1:5001", "https://a.example/prefix"]
                configs:
                  "z.example:5000":
                    tls: {ca_file: ca.pem, cert_file: c.pem, key_file: c.key}
                  "a.example":
                    tls: {insecure_skip_verify: true}
                """);
        var files = HostsDir.render(r);
        assertThat(files.keySet()).containsExactly("docker.io", "z.example:5000", "a.example");

        JsonNode docker = TOML.readTree(files.get("docker.io"));
        assertThat(docker.has("server")).as("containerd falls back to the registry's own endpoint last").isFalse();
        assertThat(hostOrder(files.get("docker.io"))).containsExactly("https://z.example:5000", "http://127.0.0.1:5001", "https://a.example/prefix");
        JsonNode z = docker.get("host").get("https://z.example:5000");
        assertThat(strings(z.get("capabilities"))).containsExactly("pull", "resolve");
        assertThat(z.get("ca").asText()).isEqualTo(dir.resolve("ca.pem").toString());
        assertThat(z.get("client").isArray() && z.get("client").get(0).isArray()).as("client is a list of [cert, key] pairs").isTrue();
        assertThat(strings(z.get("client").get(0))).containsExactly(dir.resolve("c.pem").toString(), dir.resolve("c.key").toString());
        assertThat(z.has("skip_verify")).isFalse();
        JsonNode local = docker.get("host").get("http://127.0.0.1:5001");
        assertThat(local.has("ca") || local.has("client") || local.has("skip_verify")).isFalse();
        assertThat(docker.get("host").get("https://a.example/prefix").get("skip_verify").isBoolean()).isTrue();
        assertThat(docker.get("host").get("https://a.example/prefix").get("skip_verify").asBoolean()).isTrue();

        // the configured hosts' own files: their TLS on the top level (the registry's default endpoint) and a host table
        JsonNode zOwn = TOML.readTree(files.get("z.example:5000"));
        assertThat(zOwn.get("ca").asText()).isEqualTo(dir.resolve("ca.pem").toString());
        assertThat(zOwn.get("host").isObject()).as("containerd 1.6 ignores a hosts.toml without a host table").isTrue();
        assertThat(zOwn.get("host").size()).isZero();
        assertThat(TOML.readTree(files.get("a.example")).get("skip_verify").asBoolean()).isTrue();
    }

    @Test
    void defaultMirrorIsTheDefaultDirectoryAndReachesRegistriesWithOnlyAConfig() throws Exception {
        var r = parse("""
                mirrors:
                  "*":
                    endpoint: ["http://127.0.0.1:5001"]
                configs:
                  "127.0.0.1:5002":
                    auth: {username: u, password: p}
                """);
        var files = HostsDir.render(r);
        assertThat(files.keySet()).containsExactly("_default", "127.0.0.1:5002");
        assertThat(hostOrder(files.get("_default"))).containsExactly("http://127.0.0.1:5001");
        assertThat(hostOrder(files.get("127.0.0.1:5002"))).as("its own directory hides _default, so it lists the * endpoints")
                .containsExactly("http://127.0.0.1:5001");
    }

    @Test
    void credentialsGoToTheCriPluginsRegistryConfigsEscaped() throws Exception {
        var r = parse("""
                configs:
                  "127.0.0.1:5002":
                    auth: {username: puller, password: "s\\"3%cret\\\\:pw"}
                  "r.example":
                    auth: {identitytoken: tok}
                  "tls.example":
                    tls: {insecure_skip_verify: true}
                """);
        String cri = "plugins.\"io.containerd.grpc.v1.cri\"";
        JsonNode configs = TOML.readTree("[" + cri + "]\n" + HostsDir.authToml(r, cri)).get("plugins").get("io.containerd.grpc.v1.cri")
                .get("registry").get("configs");
        assertThat(configs.get("127.0.0.1:5002").get("auth").get("username").asText()).isEqualTo("puller");
        assertThat(configs.get("127.0.0.1:5002").get("auth").get("password").asText()).isEqualTo("s\"3%cret\\:pw");
        assertThat(configs.get("r.example").get("auth").get("identitytoken").asText()).isEqualTo("tok");
        assertThat(configs.has("tls.example")).as("containerd 1.6 refuses configs.tls beside config_path: TLS is in hosts.toml").isFalse();
    }

    @Test
    void aMirrorWithRewritesHasARewriteHostWithItsEndpointsOnly() throws Exception {
        Files.writeString(dir.resolve("ca.pem"), "ca");
        var r = parse("""
                mirrors:
                  docker.io:
                    endpoint: ["http://127.0.0.1:5001", "https://127.0.0.1:5002"]
                    rewrite: {"^rancher/(.*)": "mirrored/$1"}
                configs:
                  "127.0.0.1:5002":
                    tls: {ca_file: ca.pem}
                """);
        var files = HostsDir.render(r);
        assertThat(files.keySet()).containsExactly("docker.io", "127.0.0.1:5002", "rewrite-0.skiff.invalid");
        JsonNode rewrite = TOML.readTree(files.get("rewrite-0.skiff.invalid"));
        assertThat(rewrite.get("server").asText()).as("the last endpoint is the server: no default endpoint for the made-up host")
                .isEqualTo("https://127.0.0.1:5002");
        assertThat(rewrite.get("ca").asText()).isEqualTo(dir.resolve("ca.pem").toString());
        assertThat(hostOrder(files.get("rewrite-0.skiff.invalid"))).containsExactly("http://127.0.0.1:5001");
        JsonNode single = TOML.readTree(HostsDir.render(parse("mirrors:\n  docker.io:\n    endpoint: [\"http://127.0.0.1:5001\"]\n"
                + "    rewrite: {\"^a/\": \"b/\"}\n")).get("rewrite-0.skiff.invalid"));
        assertThat(single.get("server").asText()).isEqualTo("http://127.0.0.1:5001");
        assertThat(single.get("host").size()).isZero();
    }

    @Test
    void writeReplacesWhatAPreviousStartWrote() throws Exception {
        Path hosts = dir.resolve("certs.d");
        HostsDir.write(hosts, parse("mirrors:\n  old.example:\n    endpoint: [\"http://127.0.0.1:1\"]\n"));
        assertThat(hosts.resolve("old.example/hosts.toml")).exists();
        HostsDir.write(hosts, parse("mirrors:\n  new.example:\n    endpoint: [\"http://127.0.0.1:1\"]\n"));
        assertThat(hosts.resolve("old.example")).doesNotExist();
        assertThat(hosts.resolve("new.example/hosts.toml")).exists();
        HostsDir.write(hosts, Registries.NONE);
        try (var left = Files.list(hosts)) {
            assertThat(left.toList()).isEmpty();
        }
    }

    /** The [host."..."] tables in the order the file has them, as containerd 1.6 orders them (by line). */
    private static List<String> hostOrder(String toml) throws Exception {
        List<String> out = new ArrayList<>();
        TOML.readTree(toml).get("host").fieldNames().forEachRemaining(out::add);
        List<String> byLine = new ArrayList<>(out);
        byLine.sort(java.util.Comparator.comparingInt(h -> toml.indexOf("[host.\"" + h + "\"]")));
        assertThat(out).isEqualTo(byLine);
        return byLine;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
