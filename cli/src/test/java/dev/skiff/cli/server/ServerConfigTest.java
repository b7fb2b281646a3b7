package dev.skiff.cli.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ServerConfigTest {
    @Test
    void apiServerConfigFollowsFlagsAndDefaults() {
        var command = new dev.skiff.cli.server.ServerCommand();
        picocli.CommandLine cli = new picocli.CommandLine(command);
        cli.parseArgs("--data-dir", "/tmp/skiff-flags-test", "--tls-san", "a.example,192.0.2.1", "--tls-san", "b.example",
                "--write-kubeconfig-mode", "644");
        var config = command.config();
        assertThat(config.tlsSans()).containsExactly("a.example", "192.0.2.1", "b.example");
        assertThat(config.serviceIp().getHostAddress()).isEqualTo("10.43.0.1");
        assertThat(config.writeKubeconfig()).isEqualTo(java.nio.file.Path.of("/tmp/skiff-flags-test/server/cred/admin.kubeconfig"));
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(config.writeKubeconfigMode())).isEqualTo("rw-r--r--");
        assertThat(config.maxRequestsInflight()).isEqualTo(400);
        assertThat(config.maxMutatingRequestsInflight()).isEqualTo(200);
        var api = config.apiServer(dev.skiff.apiserver.endpoints.VersionInfo.of("", "1970-01-01T00:00:00Z"));
        assertThat(api.tlsDir()).isEqualTo(java.nio.file.Path.of("/tmp/skiff-flags-test/server/tls"));
        assertThat(api.tokenFile()).isEqualTo(java.nio.file.Path.of("/tmp/skiff-flags-test/server/token"));
        assertThat(api.maxRequestBodyBytes()).isEqualTo(3L * 1024 * 1024);
    }
}
