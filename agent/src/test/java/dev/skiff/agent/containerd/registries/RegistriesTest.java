package dev.skiff.agent.containerd.registries;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistriesTest {
    @TempDir
    Path dir;

    private Registries parse(String yaml) throws Registries.InvalidException {
        return parse(yaml, dir);
    }

    /** registries.yaml text parsed, TLS files relative to {@code dir}. */
    static Registries parse(String yaml, Path dir) throws Registries.InvalidException {
        return Registries.parse(yaml.getBytes(StandardCharsets.UTF_8), dir);
    }

    @Test
    void readsK3sFormat() throws Exception {
        Files.writeString(dir.resolve("ca.pem"), "ca");
        Files.writeString(dir.resolve("client.pem"), "cert");
        Files.writeString(dir.resolve("client.key"), "key");
        Registries r = parse("""
                mirrors:
                  docker.io:
                    endpoint:
                      - "https://registry.example.com:5000"
                      - http://127.0.0.1:5001/
                    rewrite:
                      "^rancher/(.*)": "mirrorproject/rancher-images/$1"
                  "*":
                    endpoint: [127.0.0.1:5002]
                configs:
                  "registry.example.com:5000":
                    auth:
                      username: puller
                      password: "s3cret:pw"
                    tls:
                      ca_file: ca.pem
                      cert_file: client.pem
                      key_file: %s
                  other.example.com:
                    auth: {auth: "dXNlcjpwdw==", identitytoken: tok}
                    tls: {insecure_skip_verify: true}
                """.formatted(dir.resolve("client.key")));
        assertThat(r.mirrors().keySet()).containsExactly("docker.io", "*");
        var docker = r.mirrors().get("docker.io");
        assertThat(docker.endpoints()).containsExactly("https://registry.example.com:5000", "http://127.0.0.1:5001");
        var rewrite = docker.rewrites().entrySet().iterator().next();
        assertThat(rewrite.getKey().pattern()).isEqualTo("^rancher/(.*)");
        assertThat(rewrite.getValue()).isEqualTo("mirrorproject/rancher-images/$1");
        assertThat(r.mirrors().get("*").endpoints()).as("an endpoint without scheme is https, as containerd reads it")
                .containsExactly("https://127.0.0.1:5002");
        var example = r.configs().get("registry.example.com:5000");
        assertThat(example.auth()).isEqualTo(new Registries.Auth("puller", "s3cret:pw", "", ""));
        assertThat(example.tls()).isEqualTo(new Registries.Tls(dir.resolve("ca.pem"), dir.resolve("client.pem"), dir.resolve("client.key"), false));
        var other = r.configs().get("other.example.com");
        assertThat(other.auth()).isEqualTo(new Registries.Auth("", "", "dXNlcjpwdw==", "tok"));
        assertThat(other.tls().insecureSkipVerify()).isTrue();
        assertThat(other.tls().caFile()).isNull();
    }

    @Test
    void emptyFileIsNoConfiguration() throws Exception {
        assertThat(parse("").isEmpty()).isTrue();
        assertThat(parse("mirrors: {}\nconfigs:\n").isEmpty()).isTrue();
    }

    @Test
    void missingFileIsNothingOnlyAtTheDefaultPath() throws Exception {
        Path missing = dir.resolve("registries.yaml");
        assertThat(Registries.read(missing, true)).isEqualTo(Registries.NONE);
        assertThatThrownBy(() -> Registries.read(missing, false)).isInstanceOf(Registries.InvalidException.class)
                .hasMessage(missing + ": no such file");
    }

    @Test
    void errorsNameTheFileAndThePlaceInOneLine() throws Exception {
        Path file = dir.resolve("registries.yaml");
        Files.writeString(file, "mirrors:\n  docker.io:\n    endpoint: [\"http://127.0.0.1:1\"\n");
        assertThatThrownBy(() -> Registries.read(file, true)).isInstanceOf(Registries.InvalidException.class)
                .hasMessageStartingWith(file + ": invalid YAML: ")
                .satisfies(e -> assertThat(e.getMessage().lines()).hasSize(1));
    }

    @Test
    void rejectsWhatCannotBeUsed() {
        Map<String, String> bad = new java.util.LinkedHashMap<>();
        bad.put("mirror:\n  docker.io: {}\n", "the top level: unknown key \"mirror\" (known: configs, mirrors)");
        bad.put("mirrors: [docker.io]\n", "mirrors: want a mapping");
        bad.put("mirrors:\n  docker.io:\n    endpoints: [x]\n", "mirrors.docker.io: unknown key \"endpoints\" (known: endpoint, rewrite)");
        bad.put("mirrors:\n  docker.io:\n    endpoint: http://x\n", "mirrors.docker.io.endpoint: want a list of URLs");
        bad.put("mirrors:\n  docker.io:\n    endpoint: [\"ftp://x\"]\n", "mirrors.docker.io.endpoint: \"ftp://x\" is not an http or https URL");
        bad.put("mirrors:\n  docker.io:\n    endpoint: [\"http://x/v2?a=b\"]\n", "mirrors.docker.io.endpoint: \"http://x/v2?a=b\" is not a registry URL (scheme://host[:port][/path])");
        bad.put("mirrors:\n  \"docker.io/library\":\n    endpoint: []\n", "mirrors.docker.io/library: \"docker.io/library\" is not a registry host[:port]");
        bad.put("mirrors:\n  docker.io:\n    rewrite:\n      \"^rancher/(.*\": \"x/$1\"\n", "mirrors.docker.io.rewrite: invalid regex \"^rancher/(.*\": Unclosed group");
        bad.put("configs:\n  r.example:\n    tls:\n      ca_file: /nonexistent/ca.pem\n", "configs.r.example.tls.ca_file: cannot read /nonexistent/ca.pem");
        bad.put("configs:\n  r.example:\n    tls:\n      insecure_skip_verify: maybe\n", "configs.r.example.tls.insecure_skip_verify: want true or false");
        bad.put("configs:\n  r.example:\n    auth:\n      user: me\n", "configs.r.example.auth: unknown key \"user\" (known: auth, identitytoken, password, username)");
        bad.put("configs:\n  r.example:\n    auth:\n      username: [me]\n", "configs.r.example.auth.username: want a string");
        for (var e : bad.entrySet()) {
            assertThatThrownBy(() -> parse(e.getKey())).as(e.getKey()).isInstanceOf(Registries.InvalidException.class).hasMessage(e.getValue());
        }
    }

    @Test
    void clientCertificateNeedsItsKey() throws Exception {
        Files.writeString(dir.resolve("client.pem"), "cert");
        assertThatThrownBy(() -> parse("configs:\n  r.example:\n    tls:\n      cert_file: client.pem\n"))
                .hasMessage("configs.r.example.tls: cert_file and key_file go together");
    }

    @Test
    void rewritesKeepTheFileOrder() throws Exception {
        var r = parse("mirrors:\n  docker.io:\n    endpoint: [\"http://127.0.0.1:1\"]\n    rewrite:\n      \"^b/(.*)\": \"x/$1\"\n      \"^a/(.*)\": \"y/$1\"\n");
        assertThat(r.mirrors().get("docker.io").rewrites().keySet().stream().map(Pattern::pattern).toList()).isEqualTo(List.of("^b/(.*)", "^a/(.*)"));
    }
}
