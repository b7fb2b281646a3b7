package dev.skiff.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Namespaces and ConfigMaps through the real kubectl (the newest, chosen by the dispatcher on PATH
 * from /version, and the oldest installed, 1.27) against a real {@code skiff server} process.
 */
class KubectlResourcesTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static SkiffProcess server;
    static Path kubeconfig;

    record Result(int exit, String out, String err) {
    }

    @BeforeAll
    static void startServer() {
        kubeconfig = dir.resolve("admin.yaml");
        server = SkiffProcess.server(dir.resolve("server.log"), "--data-dir", dir.resolve("data").toString(),
                "--etcd-listen-client-url", "http://127.0.0.1:" + SkiffProcess.freePort(),
                "--https-listen-port", String.valueOf(SkiffProcess.freePort()), "--bind-address", "127.0.0.1",
                "--write-kubeconfig", kubeconfig.toString());
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            assertThat(server.stop()).isEqualTo(143);
        }
    }

    @Test
    void apiResourcesListsWhatIsServed() throws Exception {
        for (String kubectl : List.of("kubectl", oldestKubectl())) {
            var out = ok(kubectl, "api-resources", "--no-headers");
            assertThat(out.lines().map(l -> String.join(" ", l.trim().split("\\s+"))).toList())
                    .as(kubectl).contains("configmaps cm v1 true ConfigMap", "namespaces ns v1 false Namespace");
        }
    }

    @Test
    void namespacesIncludeTheSystemOnesAndNewOnesAreActive() throws Exception {
        assertThat(ok("kubectl", "create", "namespace", "team")).isEqualTo("namespace/team created");
        var lines = ok("kubectl", "get", "ns").lines().toList();
        assertThat(lines.getFirst().split("\\s+")).containsExactly("NAME", "STATUS", "AGE");
        assertThat(lines.stream().skip(1).map(l -> l.split("\\s+")[0] + " " + l.split("\\s+")[1]).toList())
                .contains("default Active", "kube-system Active", "kube-public Active", "kube-node-lease Active", "team Active");
        assertThat(run("kubectl", "create", "namespace", "team").err()).contains("Error from server (AlreadyExists): namespaces \"team\" already exists");
        assertThat(run("kubectl", "create", "configmap", "x", "-n", "nope").err().strip())
                .isEqualTo("error: failed to create configmap: namespaces \"nope\" not found");
        assertThat(run("kubectl", "delete", "namespace", "default").err().strip())
                .isEqualTo("Error from server (Forbidden): namespaces \"default\" is forbidden: this namespace may not be deleted");
    }

    @Test
    void configMapLifecycle() throws Exception {
        ok("kubectl", "create", "namespace", "cms");
        assertThat(ok("kubectl", "create", "configmap", "c", "-n", "cms", "--from-literal=a=b")).isEqualTo("configmap/c created");
        JsonNode list = YAML.readTree(ok("kubectl", "get", "cm", "-n", "cms", "-o", "yaml"));
        JsonNode c = list.get("items").get(0);
        assertThat(c.get("data").get("a").asText()).isEqualTo("b");
        assertThat(c.get("metadata").get("resourceVersion").asText()).matches("[0-9]+");
        assertThat(c.get("metadata").get("uid").asText()).matches("[0-9a-f-]{36}");
        assertThat(c.get("metadata").get("creationTimestamp").asText()).endsWith("Z");

        var table = ok("kubectl", "get", "cm", "-n", "cms").lines().toList();
        assertThat(table.get(0).split("\\s+")).containsExactly("NAME", "DATA", "AGE");
        assertThat(table.get(1).split("\\s+")[0] + " " + table.get(1).split("\\s+")[1]).isEqualTo("c 1");

        assertThat(ok("kubectl", "label", "cm", "c", "-n", "cms", "tier=web")).isEqualTo("configmap/c labeled");
        assertThat(ok("kubectl", "get", "cm", "-n", "cms", "-l", "tier=web", "-o", "name")).isEqualTo("configmap/c");
        assertThat(run("kubectl", "get", "cm", "-n", "cms", "-l", "tier=db").err()).contains("No resources found in cms namespace.");

        assertThat(ok("kubectl", "delete", "cm", "c", "-n", "cms")).isEqualTo("configmap \"c\" deleted");
        var missing = run("kubectl", "get", "cm", "c", "-n", "cms");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err().strip()).isEqualTo("Error from server (NotFound): configmaps \"c\" not found");
    }

    @Test
    void oldestKubectlCreatesAndLists() throws Exception {
        String old = oldestKubectl();
        ok(old, "create", "namespace", "old");
        assertThat(ok(old, "create", "configmap", "o", "-n", "old", "--from-literal=x=1")).isEqualTo("configmap/o created");
        assertThat(ok(old, "get", "cm", "o", "-n", "old", "-o", "jsonpath={.data.x}")).isEqualTo("1");
        assertThat(ok(old, "get", "ns", "old", "--no-headers").split("\\s+")[1]).isEqualTo("Active");
        assertThat(run(old, "get", "cm", "nope", "-n", "old").err().strip())
                .isEqualTo("Error from server (NotFound): configmaps \"nope\" not found");
        // without validation the server drops unknown fields (Warn); openApiDrivesExplainApplyDiffAndValidation covers validation
        Path file = dir.resolve("old.yaml");
        Files.writeString(file, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: f\n  namespace: old\ndata:\n  a: b\n");
        assertThat(ok(old, "create", "-f", file.toString(), "--validate=false")).isEqualTo("configmap/f created");
    }

    @Test
    void watchSeesACreatedConfigMap() throws Exception {
        ok("kubectl", "create", "namespace", "watched");
        var command = command("kubectl", "get", "cm", "-n", "watched", "-w", "--request-timeout=20s");
        Path out = dir.resolve("watch.out");
        var process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(dir.resolve("watch.err").toFile()).start();
        try {
            SkiffProcess.sleep(1500);
            ok("kubectl", "create", "configmap", "seen", "-n", "watched", "--from-literal=k=v");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!Files.readString(out).contains("seen") && System.nanoTime() < deadline) {
                SkiffProcess.sleep(200);
            }
            assertThat(Files.readString(out)).contains("seen");
            assertThat(Files.readString(out).lines().findFirst().orElseThrow().split("\\s+")).containsExactly("NAME", "DATA", "AGE");
        } finally {
            process.destroy();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void createFromFileReportsUpstreamErrors() throws Exception {
        ok("kubectl", "create", "namespace", "files");
        Path unknown = dir.resolve("unknown.yaml");
        Files.writeString(unknown, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: u\n  namespace: files\nfoo: bar\ndata:\n  a: b\n");
        var strict = run("kubectl", "create", "-f", unknown.toString());
        assertThat(strict.exit()).isEqualTo(1);
        assertThat(strict.err().strip()).isEqualTo("Error from server (BadRequest): error when creating \"" + unknown
                + "\": ConfigMap in version \"v1\" cannot be handled as a ConfigMap: strict decoding error: unknown field \"foo\"");
        var warn = run("kubectl", "create", "-f", unknown.toString(), "--validate=warn");
        assertThat(warn.exit()).isZero();
        assertThat(warn.err()).contains("Warning: unknown field \"foo\"");
        assertThat(JSON.readTree(ok("kubectl", "get", "cm", "u", "-n", "files", "-o", "json")).has("foo")).isFalse();

        Path invalid = dir.resolve("invalid.yaml");
        Files.writeString(invalid, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [x\n");
        var bad = run("kubectl", "create", "-f", invalid.toString());
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).contains("error: error parsing " + invalid + ": error converting YAML to JSON: yaml: line 4:");

        Path badKey = dir.resolve("badkey.yaml");
        Files.writeString(badKey, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: k\n  namespace: files\ndata:\n  'a b': c\n");
        // kubectl words a 422 with causes as "The <Kind> "<name>" is invalid: ..."
        assertThat(run("kubectl", "create", "-f", badKey.toString()).err()).startsWith("The ConfigMap \"k\" is invalid: data[a b]: "
                + "Invalid value: \"a b\": a valid config key must consist of alphanumeric characters");
    }

    @Test
    void secretsAndServiceAccounts() throws Exception {
        ok("kubectl", "create", "namespace", "creds");
        assertThat(ok("kubectl", "create", "secret", "generic", "s", "-n", "creds", "--from-literal=p=pw")).isEqualTo("secret/s created");
        assertThat(ok("kubectl", "get", "secret", "s", "-n", "creds", "-o", "jsonpath={.type} {.data.p}")).isEqualTo("Opaque cHc=");
        var secrets = ok("kubectl", "get", "secrets", "-n", "creds").lines().toList();
        assertThat(secrets.get(0).split("\\s+")).containsExactly("NAME", "TYPE", "DATA", "AGE");
        assertThat(ok("kubectl", "get", "secrets", "-n", "creds", "--field-selector", "type=Opaque", "-o", "name")).isEqualTo("secret/s");
        assertThat(ok("kubectl", "create", "serviceaccount", "robot", "-n", "creds")).isEqualTo("serviceaccount/robot created");
        assertThat(ok("kubectl", "get", "sa", "-n", "creds").lines().findFirst().orElseThrow().split("\\s+"))
                .containsExactly("NAME", "SECRETS", "AGE");
        assertThat(ok("kubectl", "delete", "sa", "robot", "-n", "creds")).isEqualTo("serviceaccount \"robot\" deleted");
    }

    @Test
    void openApiDrivesExplainApplyDiffAndValidation() throws Exception {
        ok("kubectl", "create", "namespace", "applied");
        for (String kubectl : List.of("kubectl", oldestKubectl())) {
            String name = "a" + Path.of(kubectl).getFileName().toString().replace(".", "");
            // explain reads the schemas (OpenAPI v3 on the newest kubectl, and on 1.27 too)
            var explain = ok(kubectl, "explain", "configmap");
            assertThat(explain).as(kubectl).contains("KIND:       ConfigMap", "VERSION:    v1");
            assertThat(explain.lines().map(String::strip).toList()).as(kubectl)
                    .contains("data\t<map[string]string>", "metadata\t<ObjectMeta>", "immutable\t<boolean>");
            assertThat(ok(kubectl, "explain", "configmap.data")).as(kubectl).contains("FIELD: data <map[string]string>");
            assertThat(ok(kubectl, "explain", "serviceaccount.secrets")).as(kubectl)
                    .contains("FIELD: secrets <[]ObjectReference>");

            // client-side apply: create, then a 3-way strategic merge patch that changes one key and drops another
            Path file = dir.resolve(name + ".yaml");
            Files.writeString(file, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name
                    + "\n  namespace: applied\ndata:\n  a: \"1\"\n  b: \"2\"\n  c: \"3\"\n");
            assertThat(ok(kubectl, "apply", "-f", file.toString())).isEqualTo("configmap/" + name + " created");
            JsonNode created = JSON.readTree(ok(kubectl, "get", "cm", name, "-n", "applied", "-o", "json"));
            assertThat(JSON.readTree(created.get("metadata").get("annotations")
                    .get("kubectl.kubernetes.io/last-applied-configuration").asText()).get("data").get("b").asText()).isEqualTo("2");
            Files.writeString(file, Files.readString(file).replace("b: \"2\"", "b: \"20\"").replace("  c: \"3\"\n", ""));

            var diff = run(kubectl, "diff", "-f", file.toString());
            assertThat(diff.exit()).as(diff.err()).isEqualTo(1);
            assertThat(diff.out().lines().filter(l -> l.startsWith("-  ") || l.startsWith("+  ")).toList())
                    .contains("-  b: \"2\"", "+  b: \"20\"", "-  c: \"3\"");
            assertThat(ok(kubectl, "apply", "-f", file.toString())).isEqualTo("configmap/" + name + " configured");
            assertThat(ok(kubectl, "get", "cm", name, "-n", "applied", "-o", "jsonpath={.data}"))
                    .isEqualTo("{\"a\":\"1\",\"b\":\"20\"}");
            assertThat(run(kubectl, "diff", "-f", file.toString()).exit()).isZero();
            assertThat(ok(kubectl, "apply", "-f", file.toString())).isEqualTo("configmap/" + name + " unchanged");

            // validation without --validate=false: the unknown field is reported and nothing is created
            Path bad = dir.resolve(name + "-bad.yaml");
            Files.writeString(bad, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "-bad\n  namespace: applied\n"
                    + "data:\n  a: b\nbogus: 1\n");
            var refused = run(kubectl, "create", "-f", bad.toString());
            assertThat(refused.exit()).as(kubectl).isEqualTo(1);
            assertThat(refused.err()).as(kubectl).contains("unknown field \"bogus\"");
            assertThat(run(kubectl, "get", "cm", name + "-bad", "-n", "applied").exit()).isEqualTo(1);
        }
    }

    // -- helpers

    static String oldestKubectl() throws IOException {
        Path real = Path.of("/usr/bin/kubectl").toRealPath();
        return real.resolveSibling("kubectl.1.27").toString();
    }

    private static List<String> command(String kubectl, String... args) {
        var command = new ArrayList<String>(List.of(kubectl, "--kubeconfig", kubeconfig.toString(),
                "--cache-dir", dir.resolve("cache-" + Path.of(kubectl).getFileName()).toString()));
        command.addAll(List.of(args));
        return command;
    }

    static Result run(String kubectl, String... args) throws Exception {
        var builder = new ProcessBuilder(command(kubectl, args));
        builder.environment().remove("KUBECONFIG");
        Path err = Files.createTempFile(dir, "kubectl", ".err");
        builder.redirectError(err.toFile());
        var process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(process.exitValue(), out, Files.readString(err));
    }

    static String ok(String kubectl, String... args) throws Exception {
        var result = run(kubectl, args);
        assertThat(result.exit()).as("%s %s: %s%s", kubectl, String.join(" ", args), result.out(), result.err()).isZero();
        return result.out().strip();
    }
}
