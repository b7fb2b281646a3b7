package dev.skiff.cli.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
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
    void auditFlagsReachTheApiServerAndNoPolicyMeansNoAuditing(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        var policy = java.nio.file.Files.writeString(dir.resolve("policy.yaml"),
                "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n  verbs: [create]\n");
        var command = new dev.skiff.cli.server.ServerCommand();
        new picocli.CommandLine(command).parseArgs("--data-dir", "/tmp/skiff-flags-test", "--audit-policy-file", policy.toString(),
                "--audit-log-path", "/var/log/skiff/audit.log", "--audit-log-maxage", "30", "--audit-log-maxbackup", "10",
                "--audit-log-maxsize", "100", "--audit-log-format", "legacy");
        var audit = command.config().apiServer(dev.skiff.apiserver.endpoints.VersionInfo.of("", "1970-01-01T00:00:00Z")).audit();
        assertThat(audit.enabled()).isTrue();
        assertThat(audit.policy().rules().getFirst().verbs()).containsExactly("create");
        assertThat(audit.logPath()).isEqualTo("/var/log/skiff/audit.log");
        assertThat(List.of(audit.maxAgeDays(), audit.maxBackups(), audit.maxSizeMb())).containsExactly(30, 10, 100);
        assertThat(audit.format()).isEqualTo("legacy");

        var none = new dev.skiff.cli.server.ServerCommand();
        new picocli.CommandLine(none).parseArgs("--data-dir", "/tmp/skiff-flags-test", "--audit-log-path", "-");
        assertThat(none.config().audit().enabled()).isFalse();
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

    @Test
    void clusterDnsFollowsItsFlagsAndTheServiceRange() {
        var defaults = new dev.skiff.cli.server.ServerCommand();
        new picocli.CommandLine(defaults).parseArgs("--data-dir", "/tmp/skiff-flags-test");
        var dns = defaults.config().dns();
        assertThat(dns.clusterDns().getHostAddress()).isEqualTo("10.43.0.10");
        assertThat(dns.clusterDomain()).isEqualTo("cluster.local");
        assertThat(dns.listen().getPort()).isEqualTo(53);

        var other = new dev.skiff.cli.server.ServerCommand();
        new picocli.CommandLine(other).parseArgs("--data-dir", "/tmp/skiff-flags-test", "--service-cluster-ip-range", "10.96.0.0/12",
                "--cluster-domain", "corp.internal", "--dns-listen-address", "192.0.2.7:5353");
        dns = other.config().dns();
        assertThat(dns.clusterDns().getHostAddress()).isEqualTo("10.96.0.10");
        assertThat(dns.clusterDomain()).isEqualTo("corp.internal");
        assertThat(dns.listen()).isEqualTo(new java.net.InetSocketAddress("192.0.2.7", 5353));

        var v6 = new dev.skiff.cli.server.ServerCommand();
        new picocli.CommandLine(v6).parseArgs("--data-dir", "/tmp/skiff-flags-test", "--dns-listen-address", "[::1]:1053", "--cluster-dns", "10.43.7.7");
        assertThat(v6.config().dns().listen().getPort()).isEqualTo(1053);
        assertThat(v6.config().dns().clusterDns().getHostAddress()).isEqualTo("10.43.7.7");

        var disabled = new dev.skiff.cli.server.ServerCommand();
        new picocli.CommandLine(disabled).parseArgs("--data-dir", "/tmp/skiff-flags-test", "--disable-dns");
        assertThat(disabled.config().dns().listen()).isNull();

        for (String[] bad : java.util.List.of(new String[] {"--cluster-dns", "10.44.0.10"}, new String[] {"--cluster-dns", "10.43.0.0"},
                new String[] {"--cluster-domain", "a..b"}, new String[] {"--dns-listen-address", "192.0.2.7:99999"},
                new String[] {"--dns-listen-address", "nonsense"})) {
            var command = new dev.skiff.cli.server.ServerCommand();
            new picocli.CommandLine(command).parseArgs("--data-dir", "/tmp/skiff-flags-test", bad[0], bad[1]);
            org.assertj.core.api.Assertions.assertThatThrownBy(command::config).as(String.join(" ", bad))
                    .isInstanceOf(dev.skiff.cli.UsageException.class).hasMessageContaining(bad[0]);
        }
    }

    @Test
    void nodeLifecycleFlagsReachTheControllerOptions() {
        var defaults = new dev.skiff.cli.server.ServerCommand();
        new picocli.CommandLine(defaults).parseArgs("--data-dir", "/tmp/skiff-flags-test");
        var options = defaults.config().controllerOptions();
        assertThat(options.nodeMonitorPeriod()).isEqualTo(java.time.Duration.ofSeconds(5));
        assertThat(options.nodeMonitorGracePeriod()).isEqualTo(java.time.Duration.ofSeconds(50));
        assertThat(options.nodeStartupGracePeriod()).isEqualTo(java.time.Duration.ofMinutes(1));

        var set = new dev.skiff.cli.server.ServerCommand();
        new picocli.CommandLine(set).parseArgs("--data-dir", "/tmp/skiff-flags-test", "--node-monitor-period", "2s",
                "--node-monitor-grace-period", "20s", "--node-startup-grace-period", "1m30s");
        options = set.config().controllerOptions();
        assertThat(options.nodeMonitorPeriod()).isEqualTo(java.time.Duration.ofSeconds(2));
        assertThat(options.nodeMonitorGracePeriod()).isEqualTo(java.time.Duration.ofSeconds(20));
        assertThat(options.nodeStartupGracePeriod()).isEqualTo(java.time.Duration.ofSeconds(90));
        assertThat(options.clusterCidr()).as("node IPAM's settings kept").isEqualTo("10.42.0.0/16");

        for (String[] bad : java.util.List.of(new String[] {"--node-monitor-period", "0s"}, new String[] {"--node-monitor-period", "often"},
                new String[] {"--node-startup-grace-period", "0"}, new String[] {"--node-startup-grace-period", "-1m"})) {
            var command = new dev.skiff.cli.server.ServerCommand();
            new picocli.CommandLine(command).parseArgs("--data-dir", "/tmp/skiff-flags-test", bad[0], bad[1]);
            org.assertj.core.api.Assertions.assertThatThrownBy(command::config).as(String.join(" ", bad))
                    .isInstanceOf(dev.skiff.cli.UsageException.class).hasMessageContaining(bad[0]);
        }
    }

    @Test
    void horizontalPodAutoscalerSyncPeriodReachesTheControllerOptions() {
        var defaults = new dev.skiff.cli.server.ServerCommand();
        new picocli.CommandLine(defaults).parseArgs("--data-dir", "/tmp/skiff-flags-test");
        assertThat(defaults.config().controllerOptions().horizontalPodAutoscalerSyncPeriod()).isEqualTo(java.time.Duration.ofSeconds(15));
        var set = new dev.skiff.cli.server.ServerCommand();
        new picocli.CommandLine(set).parseArgs("--data-dir", "/tmp/skiff-flags-test", "--horizontal-pod-autoscaler-sync-period", "3s",
                "--node-monitor-period", "2s");
        assertThat(set.config().controllerOptions().horizontalPodAutoscalerSyncPeriod()).isEqualTo(java.time.Duration.ofSeconds(3));
        assertThat(set.config().controllerOptions().nodeMonitorPeriod()).isEqualTo(java.time.Duration.ofSeconds(2));
        var bad = new dev.skiff.cli.server.ServerCommand();
        new picocli.CommandLine(bad).parseArgs("--data-dir", "/tmp/skiff-flags-test", "--horizontal-pod-autoscaler-sync-period", "0s");
        org.assertj.core.api.Assertions.assertThatThrownBy(bad::config).isInstanceOf(dev.skiff.cli.UsageException.class)
                .hasMessageContaining("--horizontal-pod-autoscaler-sync-period");
    }

    @Test
    void metricResolutionIsFifteenSecondsUnlessSetAndMustBePositive() {
        var defaults = new dev.skiff.cli.server.ServerCommand();
        new picocli.CommandLine(defaults).parseArgs("--data-dir", "/tmp/skiff-flags-test");
        assertThat(defaults.config().metricResolution()).isEqualTo(java.time.Duration.ofSeconds(15));
        var set = new dev.skiff.cli.server.ServerCommand();
        new picocli.CommandLine(set).parseArgs("--data-dir", "/tmp/skiff-flags-test", "--metric-resolution", "5s");
        assertThat(set.config().metricResolution()).isEqualTo(java.time.Duration.ofSeconds(5));
        for (String bad : java.util.List.of("0s", "soon", "-5s")) {
            var command = new dev.skiff.cli.server.ServerCommand();
            new picocli.CommandLine(command).parseArgs("--data-dir", "/tmp/skiff-flags-test", "--metric-resolution", bad);
            org.assertj.core.api.Assertions.assertThatThrownBy(command::config).as(bad)
                    .isInstanceOf(dev.skiff.cli.UsageException.class).hasMessageContaining("--metric-resolution");
        }
    }

    @Test
    void admissionAndTokenExpirationFollowTheirFlags() {
        var defaults = new dev.skiff.cli.server.ServerCommand();
        new picocli.CommandLine(defaults).parseArgs("--data-dir", "/tmp/skiff-flags-test");
        assertThat(defaults.config().admission().enabledPluginNames()).contains("ServiceAccount", "Priority", "ResourceQuota");
        assertThat(defaults.config().tokenExpiration()).isEqualTo(dev.skiff.apiserver.registry.core.serviceaccount.TokenExpiration.defaults());

        var command = new dev.skiff.cli.server.ServerCommand();
        new picocli.CommandLine(command).parseArgs("--data-dir", "/tmp/skiff-flags-test", "--disable-admission-plugins",
                "ServiceAccount,DefaultTolerationSeconds", "--disable-admission-plugins", "Priority",
                "--service-account-max-token-expiration", "48h", "--service-account-extend-token-expiration=false");
        var config = command.config();
        assertThat(config.admission().enabledPluginNames()).contains("NamespaceLifecycle", "ResourceQuota")
                .doesNotContain("ServiceAccount", "DefaultTolerationSeconds", "Priority");
        assertThat(config.tokenExpiration().maxSeconds()).isEqualTo(48 * 3600);
        assertThat(config.tokenExpiration().extend()).isFalse();
    }
}
