package dev.skiff.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SkiffFlagsTest {

    private record Result(int exit, String out, String err) {
    }

    private static Result run(String... args) {
        var out = new StringWriter();
        var err = new StringWriter();
        int exit = Skiff.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true)).execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    private static void assertOneLineUsageError(Result r, String mentions) {
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().lines()).hasSize(1);
        assertThat(r.err()).startsWith("skiff: ").contains(mentions);
    }

    @Test
    void unknownFlagIsOneLineErrorWithExitTwo() {
        assertOneLineUsageError(run("server", "--no-such-flag"), "--no-such-flag");
    }

    @Test
    void unknownSubcommandIsOneLineError() {
        assertOneLineUsageError(run("serve"), "serve");
    }

    @Test
    void nonNumericPortIsRejected() {
        assertOneLineUsageError(run("server", "--https-listen-port", "https"), "--https-listen-port");
    }

    @Test
    void portOutOfRangeIsRejected() {
        assertOneLineUsageError(run("server", "--https-listen-port", "70000"), "not a port");
    }

    @Test
    void malformedEtcdServersAreRejected() {
        assertOneLineUsageError(run("server", "--etcd-servers", "127.0.0.1"), "--etcd-servers");
        assertOneLineUsageError(run("server", "--datastore-endpoint", "ftp://x:1"), "--etcd-servers");
    }

    @Test
    void malformedDurationIsRejected() {
        assertOneLineUsageError(run("server", "--etcd-compaction-interval", "5 minutes"), "--etcd-compaction-interval");
    }

    @Test
    void tooSmallRequestLimitIsRejected() {
        assertOneLineUsageError(run("server", "--max-request-bytes", "10"), "--max-request-bytes");
    }

    @Test
    void parsesGoDurations() {
        assertThat(Flags.duration("f", "5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(Flags.duration("f", "1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Flags.duration("f", "300ms")).isEqualTo(Duration.ofMillis(300));
        assertThat(Flags.duration("f", "1.5s")).isEqualTo(Duration.ofMillis(1500));
    }

    @Test
    void versionPrintsSkiffAndJava() {
        var r = run("version");
        assertThat(r.exit()).isZero();
        assertThat(r.err()).isEmpty();
    }

    @Test
    void snapshotRestoreOfMissingFileFailsWithOneLine(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        var r = run("store", "snapshot", "restore", dir.resolve("nope.snap").toString(), "--data-dir", dir.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err().lines()).hasSize(1);
        assertThat(r.err()).contains("nope.snap");
    }

    @Test
    void badKillallInputIsAOneLineErrorAndAnEmptyDataDirHasNothingToTearDown(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        assertOneLineUsageError(run("killall", "--no-such-flag"), "--no-such-flag");
        assertOneLineUsageError(run("killall", "everything"), "everything");
        assertOneLineUsageError(run("killall", "--data-dir"), "--data-dir");
        java.nio.file.Path file = java.nio.file.Files.writeString(dir.resolve("file"), "x");
        assertOneLineUsageError(run("killall", "--data-dir", file.toString()), "is not a directory");

        var nothing = run("killall", "--data-dir", dir.resolve("none").toString());
        assertThat(nothing.exit()).isZero();
        assertThat(nothing.err()).isEmpty();
        assertThat(java.nio.file.Files.exists(dir.resolve("none"))).as("killall creates nothing").isFalse();

        try (var held = dev.skiff.agent.DataDirLock.acquire(dir.resolve("data").resolve("agent"))) { // an agent running here
            var running = run("killall", "--data-dir", dir.resolve("data").toString());
            assertThat(running.exit()).isEqualTo(1);
            assertThat(running.err().lines()).containsExactly("skiff: an agent is running on " + dir.resolve("data").resolve("agent")
                    + " in this process: stop it first");
        }
    }

    @Test
    void badApiServerFlagsAreOneLineErrors() {
        assertOneLineUsageError(run("server", "--service-cluster-ip-range", "10.43.0.0"), "--service-cluster-ip-range");
        assertOneLineUsageError(run("server", "--service-cluster-ip-range", "10.43.0.0/40"), "--service-cluster-ip-range");
        assertOneLineUsageError(run("server", "--service-cluster-ip-range", "kubernetes/16"), "--service-cluster-ip-range");
        assertOneLineUsageError(run("server", "--write-kubeconfig-mode", "rw"), "--write-kubeconfig-mode");
        assertOneLineUsageError(run("server", "--write-kubeconfig-mode", "0999"), "--write-kubeconfig-mode");
        assertOneLineUsageError(run("server", "--max-requests-inflight", "-1"), "--max-requests-inflight");
        assertOneLineUsageError(run("server", "--max-mutating-requests-inflight", "-5"), "--max-mutating-requests-inflight");
        assertOneLineUsageError(run("server", "--bind-address", "localhost"), "--bind-address");
        assertOneLineUsageError(run("server", "--bind-address", "300.1.1.1"), "--bind-address");
        assertOneLineUsageError(run("server", "--tls-san", "a b"), "--tls-san");
        assertOneLineUsageError(run("server", "--tls-san", "10.0.0.256"), "--tls-san");
        assertOneLineUsageError(run("server", "--cni-bridge", "a-bridge-name-too-long"), "--cni-bridge");
        assertOneLineUsageError(run("server", "--cni-bridge", "br/0"), "--cni-bridge");
        assertOneLineUsageError(run("agent", "--server", "https://127.0.0.1:1", "--token", "x", "--node-ip", "127.0.0.1",
                "--cni-bridge", "br 0"), "--cni-bridge");
    }

    @Test
    void serviceIpIsTheFirstAddressOfTheRange() {
        assertThat(Flags.firstAddress("f", "10.43.0.0/16").getHostAddress()).isEqualTo("10.43.0.1");
        assertThat(Flags.firstAddress("f", "10.96.5.7/12").getHostAddress()).isEqualTo("10.96.0.1");
        assertThat(Flags.firstAddress("f", "fd00:43::/112,10.43.0.0/16").getHostAddress()).isEqualTo("fd00:43:0:0:0:0:0:1");
    }

    @Test
    void badProxyFlagsAreOneLineErrors() {
        assertOneLineUsageError(run("proxy", "--cluster-cidr", "10.42.0.0"), "--cluster-cidr");
        assertOneLineUsageError(run("proxy", "--cluster-cidr", "10.42.0.300/16"), "--cluster-cidr");
        assertOneLineUsageError(run("proxy", "--iptables-sync-period", "soon"), "--iptables-sync-period");
        assertOneLineUsageError(run("proxy", "--iptables-min-sync-period", "1m", "--iptables-sync-period", "30s"), "--iptables-min-sync-period");
        assertOneLineUsageError(run("proxy", "--hostname-override", "n1"), "--kubeconfig is required");
        assertOneLineUsageError(run("proxy", "--kubeconfig", "/no/such/file"), "--kubeconfig");
        assertOneLineUsageError(run("agent", "--cluster-cidr", "ten/8"), "--cluster-cidr");
        assertOneLineUsageError(run("server", "--cluster-cidr", "10.42.0.0/33"), "--cluster-cidr");
    }

    @Test
    void badImageGcFlagsAreOneLineErrorsInTheKubeletsWords() {
        assertOneLineUsageError(run("agent", "--image-gc-high-threshold", "101"),
                "invalid configuration: imageGCHighThresholdPercent (--image-gc-high-threshold) 101 must be between 0 and 100, inclusive");
        assertOneLineUsageError(run("agent", "--image-gc-low-threshold", "-1"),
                "invalid configuration: imageGCLowThresholdPercent (--image-gc-low-threshold) -1 must be between 0 and 100, inclusive");
        assertOneLineUsageError(run("agent", "--image-gc-high-threshold", "70", "--image-gc-low-threshold", "70"),
                "invalid configuration: imageGCLowThresholdPercent (--image-gc-low-threshold) 70 must be less than "
                        + "imageGCHighThresholdPercent (--image-gc-high-threshold) 70");
        assertOneLineUsageError(run("agent", "--image-gc-high-threshold", "high"), "--image-gc-high-threshold");
        assertOneLineUsageError(run("agent", "--image-minimum-gc-age", "two minutes"), "--image-minimum-gc-age");
        assertOneLineUsageError(run("agent", "--image-maximum-gc-age", "1m"),
                "invalid configuration: imageMaximumGCAge 1m must be greater than imageMinimumGCAge 2m");
    }

    @Test
    void badPrivateRegistryFileIsOneLineErrorForAgentAndServer(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        var missing = dir.resolve("missing.yaml");
        for (String command : new String[] {"agent", "server"}) {
            assertOneLineUsageError(run(command, "--private-registry", missing.toString()),
                    "invalid value for --private-registry: " + missing + ": no such file");
        }
        var yamlError = java.nio.file.Files.writeString(dir.resolve("broken.yaml"), "mirrors:\n  docker.io: [\n");
        assertOneLineUsageError(run("agent", "--private-registry", yamlError.toString()),
                "invalid value for --private-registry: " + yamlError + ": invalid YAML: ");
        var unknown = java.nio.file.Files.writeString(dir.resolve("unknown.yaml"), "mirrors: {}\nregistries: {}\n");
        assertOneLineUsageError(run("server", "--private-registry", unknown.toString()),
                "invalid value for --private-registry: " + unknown + ": the top level: unknown key \"registries\"");
        var regex = java.nio.file.Files.writeString(dir.resolve("regex.yaml"), "mirrors:\n  docker.io:\n    rewrite: {\"(x\": y}\n");
        assertOneLineUsageError(run("agent", "--private-registry", regex.toString()), "mirrors.docker.io.rewrite: invalid regex \"(x\"");
        var ca = java.nio.file.Files.writeString(dir.resolve("ca.yaml"), "configs:\n  r.example:\n    tls: {ca_file: /no/such/ca.pem}\n");
        assertOneLineUsageError(run("agent", "--private-registry", ca.toString()),
                "invalid value for --private-registry: " + ca + ": configs.r.example.tls.ca_file: cannot read /no/such/ca.pem");
        assertThat(run("agent", "--help").out().replaceAll("\\s+", "")).contains("(default:/etc/skiff/registries.yaml,nonewhenitdoesnotexist)");
    }

    @Test
    void badNodeLifecycleFlagsAreOneLineErrors() {
        assertOneLineUsageError(run("controller-manager", "--kubeconfig", "/no/such/file", "--node-monitor-period", "0s"), "--node-monitor-period");
        assertOneLineUsageError(run("controller-manager", "--kubeconfig", "/no/such/file", "--node-startup-grace-period", "soon"),
                "--node-startup-grace-period");
        assertOneLineUsageError(run("controller-manager", "--kubeconfig", "/no/such/file", "--node-monitor-grace-period", "0"),
                "--node-monitor-grace-period");
        assertOneLineUsageError(run("server", "--node-startup-grace-period", "0s"), "--node-startup-grace-period");
    }

    @Test
    void anUnreadableServiceAccountKeyIsAOneLineError(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        var kubeconfig = java.nio.file.Files.writeString(dir.resolve("kubeconfig"), "apiVersion: v1\nkind: Config\n");
        assertOneLineUsageError(run("controller-manager", "--kubeconfig", kubeconfig.toString(), "--service-account-private-key-file",
                "/no/such/sa.key"), "invalid value for --service-account-private-key-file: cannot read /no/such/sa.key");
        var notPem = java.nio.file.Files.writeString(dir.resolve("sa.key"), "not a key\n");
        assertOneLineUsageError(run("controller-manager", "--kubeconfig", kubeconfig.toString(), "--service-account-private-key-file",
                notPem.toString()), "invalid value for --service-account-private-key-file: " + notPem + " holds no PEM private key");
    }

    @Test
    void unknownOrOverlappingAdmissionPluginsAreOneLineErrorsInKubeApiserversWords() {
        var unknown = run("server", "--enable-admission-plugins", "NamespaceLifecycle,NoSuchPlugin");
        assertOneLineUsageError(unknown, "enable-admission-plugins plugin \"NoSuchPlugin\" is unknown");
        assertThat(unknown.err().strip()).isEqualTo("skiff: enable-admission-plugins plugin \"NoSuchPlugin\" is unknown");
        assertOneLineUsageError(run("server", "--disable-admission-plugins=serviceaccount"), "disable-admission-plugins plugin \"serviceaccount\" is unknown");
        assertOneLineUsageError(run("server", "--enable-admission-plugins=Priority", "--disable-admission-plugins=Priority"),
                "[Priority] in enable-admission-plugins and disable-admission-plugins overlapped");
        assertOneLineUsageError(run("server", "--enable-admission-plugins=AlwaysPullImages"), "is not implemented by skiff");
    }

    @Test
    void aBadAdmissionConfigurationFileIsAOneLineError(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        assertOneLineUsageError(run("server", "--admission-control-config-file", dir.resolve("missing.yaml").toString()), "no such file");
        var wrongKind = java.nio.file.Files.writeString(dir.resolve("cm.yaml"), "apiVersion: v1\nkind: ConfigMap\n");
        assertOneLineUsageError(run("server", "--admission-control-config-file", wrongKind.toString()), "expected kind \"AdmissionConfiguration\"");
        var badPolicy = java.nio.file.Files.writeString(dir.resolve("psa.yaml"), """
                apiVersion: apiserver.config.k8s.io/v1
                kind: AdmissionConfiguration
                plugins:
                - name: PodSecurity
                  configuration:
                    apiVersion: pod-security.admission.config.k8s.io/v1
                    kind: PodSecurityConfiguration
                    defaults: {enforce: strict}
                """);
        assertOneLineUsageError(run("server", "--admission-control-config-file", badPolicy.toString()),
                "plugin \"PodSecurity\": defaults.enforce: Invalid value: \"strict\": must be one of privileged, baseline, restricted");
        var otherPlugin = java.nio.file.Files.writeString(dir.resolve("rq.yaml"), """
                apiVersion: apiserver.config.k8s.io/v1
                kind: AdmissionConfiguration
                plugins:
                - name: EventRateLimit
                  path: eventconfig.yaml
                """);
        assertOneLineUsageError(run("server", "--admission-control-config-file", otherPlugin.toString()), "plugin \"EventRateLimit\"");
    }

    @Test
    void aBadAuditPolicyFileOrAuditLogFlagIsAOneLineError(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        var missing = dir.resolve("missing.yaml");
        assertOneLineUsageError(run("server", "--audit-policy-file", missing.toString()),
                "failed to read file path \"" + missing + "\": open " + missing + ": no such file or directory");
        var badLevel = java.nio.file.Files.writeString(dir.resolve("level.yaml"),
                "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Everything\n");
        assertOneLineUsageError(run("server", "--audit-policy-file", badLevel.toString(), "--audit-log-path", "-"),
                "rules[0].level: Unsupported value: \"Everything\": supported values: \"None\", \"Metadata\", \"Request\", "
                        + "\"RequestResponse\": from file " + badLevel);
        var noRules = java.nio.file.Files.writeString(dir.resolve("empty.yaml"), "apiVersion: audit.k8s.io/v1\nkind: Policy\n");
        assertOneLineUsageError(run("server", "--audit-policy-file", noRules.toString()), "loaded illegal policy with 0 rules: from file " + noRules);
        assertOneLineUsageError(run("server", "--audit-log-maxsize", "-1"), "--audit-log-maxsize -1 can't be a negative number");
        assertOneLineUsageError(run("server", "--audit-log-format", "yaml"), "invalid audit log format yaml, allowed formats are \"legacy,json\"");
    }

    @Test
    void maxTokenExpirationOutsideAnHourToTwoToTheThirtySecondSecondsIsRejected() {
        assertOneLineUsageError(run("server", "--service-account-max-token-expiration", "30m"),
                "the service-account-max-token-expiration must be between 1 hour and 2^32 seconds");
        assertOneLineUsageError(run("server", "--service-account-max-token-expiration", "a day"), "--service-account-max-token-expiration");
    }
}
