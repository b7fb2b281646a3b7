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
        assertThat(config.serviceClusterIpRange()).hasToString("10.43.0.0/16");
        assertThat(config.serviceNodePortRange()).hasToString("30000-32767");
        assertThat(config.writeKubeconfig()).isEqualTo(java.nio.file.Path.of("/tmp/skiff-flags-test/server/cred/admin.kubeconfig"));
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(config.writeKubeconfigMode())).isEqualTo("rw-r--r--");
        assertThat(config.maxRequestsInflight()).isEqualTo(400);
        assertThat(config.maxMutatingRequestsInflight()).isEqualTo(200);
        var api = config.apiServer(dev.skiff.apiserver.endpoints.VersionInfo.of("", "1970-01-01T00:00:00Z"));
        assertThat(api.tlsDir()).isEqualTo(java.nio.file.Path.of("/tmp/skiff-flags-test/server/tls"));
        assertThat(api.tokenFile()).isEqualTo(java.nio.file.Path.of("/tmp/skiff-flags-test/server/token"));
        assertThat(api.maxRequestBodyBytes()).isEqualTo(3L * 1024 * 1024);
        assertThat(api.serviceNodePortRange()).hasToString("30000-32767");
    }

    @Test
    void serviceRangesFollowTheirFlags() {
        var command = new dev.skiff.cli.server.ServerCommand();
        new picocli.CommandLine(command).parseArgs("--data-dir", "/tmp/skiff-flags-test", "--service-cluster-ip-range", "10.96.5.7/12",
                "--service-node-port-range", "20000-20099");
        var config = command.config();
        assertThat(config.serviceClusterIpRange()).hasToString("10.96.0.0/12");
        assertThat(config.serviceIp().getHostAddress()).isEqualTo("10.96.0.1");
        assertThat(config.serviceNodePortRange().base()).isEqualTo(20000);
        assertThat(config.serviceNodePortRange().size()).isEqualTo(100);
        var bad = new dev.skiff.cli.server.ServerCommand();
        new picocli.CommandLine(bad).parseArgs("--data-dir", "/tmp/skiff-flags-test", "--service-node-port-range", "32767-30000");
        org.assertj.core.api.Assertions.assertThatThrownBy(bad::config).isInstanceOf(dev.skiff.cli.UsageException.class)
                .hasMessageContaining("--service-node-port-range");
    }
}
