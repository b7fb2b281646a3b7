package dev.skiff.agent.containerd.registries;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RewritesTest {
    @TempDir
    Path dir;

    private Rewrites rewrites(String yaml) throws Exception {
        return new Rewrites(RegistriesTest.parse(yaml, dir), null);
    }

    @Test
    void firstMatchingRewriteOfTheRegistrysMirrorNamesThePullOnItsRewriteHost() throws Exception {
        var r = rewrites("""
                mirrors:
                  other.example:
                    endpoint: ["http://127.0.0.1:1"]
                  docker.io:
                    endpoint: ["https://registry.example.com:5000"]
                    rewrite:
                      "^rancher/(.*)": "mirrorproject/rancher-images/$1"
                      "^(.*)$": "all/$1"
                """);
        // k3s's documented example: docker.io/rancher/coredns-coredns:1.6.3 from mirrorproject/rancher-images/coredns-coredns:1.6.3
        assertThat(r.pullReference("rancher/coredns-coredns:1.6.3"))
                .contains("rewrite-1.skiff.invalid/mirrorproject/rancher-images/coredns-coredns:1.6.3");
        assertThat(r.pullReference("busybox")).as("the normalized repository, latest tag").contains("rewrite-1.skiff.invalid/all/library/busybox:latest");
        String digest = "sha256:" + "a".repeat(64);
        assertThat(r.pullReference("docker.io/rancher/x@" + digest)).contains("rewrite-1.skiff.invalid/mirrorproject/rancher-images/x@" + digest);
        assertThat(r.pullReference("other.example/rancher/x:1")).as("that mirror has no rewrites").isEmpty();
        assertThat(r.pullReference("quay.io/rancher/x:1")).as("no mirror").isEmpty();
    }

    @Test
    void defaultMirrorsRewritesApplyToRegistriesWithoutTheirOwnMirror() throws Exception {
        var r = rewrites("""
                mirrors:
                  "*":
                    endpoint: ["http://127.0.0.1:1"]
                    rewrite: {"^team/": "mirrored/team/"}
                  own.example:
                    endpoint: ["http://127.0.0.1:2"]
                """);
        assertThat(r.pullReference("quay.io/team/app:2")).contains("rewrite-0.skiff.invalid/mirrored/team/app:2");
        assertThat(r.pullReference("own.example/team/app:2")).isEqualTo(Optional.empty());
        assertThat(rewrites("mirrors:\n  docker.io:\n    rewrite: {\"^a/\": \"b/\"}\n").pullReference("a/x:1"))
                .as("a mirror without endpoints has nothing to rewrite for").isEmpty();
    }
}
