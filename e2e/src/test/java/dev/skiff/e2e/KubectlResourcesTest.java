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
        // 1.27 validates files on the client with OpenAPI v2, which skiff does not serve: without validation it works
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
    void patchOfEveryTypeWithNewestAndOldestKubectl() throws Exception {
        ok("kubectl", "create", "namespace", "patches");
        for (String kubectl : List.of("kubectl", oldestKubectl())) {
            String cm = "p" + Path.of(kubectl).getFileName().toString().replace("kubectl", "").replace(".", "");
            ok(kubectl, "create", "configmap", cm, "-n", "patches", "--from-literal=a=1", "--from-literal=b=2");
            assertThat(ok(kubectl, "patch", "cm", cm, "-n", "patches", "--type=merge", "-p", "{\"data\":{\"c\":\"3\"}}"))
                    .isEqualTo("configmap/" + cm + " patched");
            assertThat(ok(kubectl, "patch", "cm", cm, "-n", "patches", "--type=strategic", "-p", "{\"data\":{\"a\":null}}"))
                    .isEqualTo("configmap/" + cm + " patched");
            assertThat(ok(kubectl, "patch", "cm", cm, "-n", "patches", "--type=json",
                    "-p", "[{\"op\":\"move\",\"from\":\"/data/b\",\"path\":\"/data/d\"},{\"op\":\"add\",\"path\":\"/metadata/labels\",\"value\":{\"t\":\"x\"}}]"))
                    .isEqualTo("configmap/" + cm + " patched");
            JsonNode patched = JSON.readTree(ok(kubectl, "get", "cm", cm, "-n", "patches", "-o", "json"));
            assertThat(patched.get("data").toString()).as(kubectl).isEqualTo("{\"c\":\"3\",\"d\":\"2\"}");
            assertThat(patched.at("/metadata/labels/t").asText()).isEqualTo("x");
            String rv = patched.at("/metadata/resourceVersion").asText();

            var failedTest = run(kubectl, "patch", "cm", cm, "-n", "patches", "--type=json",
                    "-p", "[{\"op\":\"add\",\"path\":\"/data/e\",\"value\":\"5\"},{\"op\":\"test\",\"path\":\"/data/c\",\"value\":\"9\"}]");
            assertThat(failedTest.exit()).as(kubectl).isEqualTo(1);
            assertThat(failedTest.err().strip()).as(kubectl)
                    .isEqualTo("The request is invalid: the server rejected our request due to an error in our request");
            assertThat(ok(kubectl, "get", "cm", cm, "-n", "patches", "-o", "jsonpath={.metadata.resourceVersion}"))
                    .as("nothing written").isEqualTo(rv);
            var badJson = run(kubectl, "patch", "cm", cm, "-n", "patches", "--type=json", "-p", "{\"op\":\"add\"}");
            assertThat(badJson.exit()).isEqualTo(1);
        }

        ok("kubectl", "create", "serviceaccount", "robot", "-n", "patches");
        ok("kubectl", "patch", "sa", "robot", "-n", "patches", "-p", "{\"secrets\":[{\"name\":\"s1\"}]}");
        ok(oldestKubectl(), "patch", "sa", "robot", "-n", "patches", "-p", "{\"secrets\":[{\"name\":\"s2\"}]}");
        assertThat(ok("kubectl", "get", "sa", "robot", "-n", "patches", "-o", "jsonpath={.secrets[*].name}"))
                .as("merged by name, new first as upstream").isEqualTo("s2 s1");
        ok("kubectl", "patch", "sa", "robot", "-n", "patches", "-p", "{\"secrets\":[{\"name\":\"s1\",\"$patch\":\"delete\"}]}");
        assertThat(ok("kubectl", "get", "sa", "robot", "-n", "patches", "-o", "jsonpath={.secrets[*].name}")).isEqualTo("s2");

        ok("kubectl", "create", "secret", "generic", "s", "-n", "patches", "--from-literal=k=v");
        assertThat(ok("kubectl", "patch", "secret", "s", "-n", "patches", "--type=json",
                "-p", "[{\"op\":\"replace\",\"path\":\"/data/k\",\"value\":\"dzI=\"}]")).isEqualTo("secret/s patched");
        assertThat(ok("kubectl", "get", "secret", "s", "-n", "patches", "-o", "jsonpath={.data.k}")).isEqualTo("dzI=");
        assertThat(ok("kubectl", "patch", "secret", "s", "-n", "patches", "--type=strategic",
                "-p", "{\"metadata\":{\"finalizers\":[\"example.com/a\"]}}")).isEqualTo("secret/s patched");
        ok("kubectl", "patch", "secret", "s", "-n", "patches", "-p", "{\"metadata\":{\"finalizers\":[\"example.com/b\"]}}");
        assertThat(ok("kubectl", "get", "secret", "s", "-n", "patches", "-o", "jsonpath={.metadata.finalizers}"))
                .as("finalizers merge as a set").isEqualTo("[\"example.com/b\",\"example.com/a\"]");
        ok("kubectl", "patch", "secret", "s", "-n", "patches", "-p", "{\"metadata\":{\"$deleteFromPrimitiveList/finalizers\":[\"example.com/a\",\"example.com/b\"]}}");
        assertThat(ok("kubectl", "get", "secret", "s", "-n", "patches", "-o", "jsonpath={.metadata.finalizers}")).isEmpty();
    }

    // -- helpers

    @Test
    void serverSideApplyWithNewestAndOldestKubectl() throws Exception {
        for (String kubectl : List.of("kubectl", oldestKubectl())) {
            String ns = kubectl.equals("kubectl") ? "ssa-new" : "ssa-old";
            // kubectl 1.27 validates client-side from /openapi/v2, which this branch does not serve
            String validate = kubectl.equals("kubectl") ? "--validate=strict" : "--validate=false";
            ok(kubectl, "create", "namespace", ns);
            Path file = dir.resolve(ns + ".yaml");
            Files.writeString(file, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  namespace: " + ns + "\ndata:\n  key: one\n");
            assertThat(ok(kubectl, "apply", "--server-side", validate, "-f", file.toString())).isEqualTo("configmap/cm serverside-applied");
            Files.writeString(file, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  namespace: " + ns + "\ndata:\n  key: two\n");
            ok(kubectl, "apply", "--server-side", validate, "-f", file.toString());
            JsonNode cm = YAML.readTree(ok(kubectl, "get", "cm", "cm", "-n", ns, "-o", "yaml", "--show-managed-fields"));
            assertThat(cm.at("/data/key").asText()).isEqualTo("two");
            assertThat(cm.at("/metadata/managedFields/0/manager").asText()).isEqualTo("kubectl");
            assertThat(cm.at("/metadata/managedFields/0/operation").asText()).isEqualTo("Apply");
            assertThat(cm.at("/metadata/managedFields/0/fieldsV1").toString()).isEqualTo("{\"f:data\":{\"f:key\":{}}}");

            Files.writeString(file, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  namespace: " + ns + "\ndata:\n  key: three\n");
            Result conflict = run(kubectl, "apply", "--server-side", validate, "--field-manager=other", "-f", file.toString());
            assertThat(conflict.exit()).isNotZero();
            assertThat(conflict.err()).contains("error: Apply failed with 1 conflict: conflict with \"kubectl\": .data.key");
            ok(kubectl, "apply", "--server-side", validate, "--field-manager=other", "--force-conflicts", "-f", file.toString());
            assertThat(ok(kubectl, "get", "cm", "cm", "-n", ns, "-o", "jsonpath={.data.key} {.metadata.managedFields[*].manager}"))
                    .isEqualTo("three other");

            ok(kubectl, "create", "configmap", "made", "-n", ns, "--from-literal=a=b");
            ok(kubectl, "label", "configmap", "made", "-n", ns, "team=x");
            JsonNode made = YAML.readTree(ok(kubectl, "get", "cm", "made", "-n", ns, "-o", "yaml", "--show-managed-fields"));
            java.util.Map<String, String> byManager = new java.util.HashMap<>();
            made.at("/metadata/managedFields").forEach(e -> byManager.put(e.at("/manager").asText() + " " + e.at("/operation").asText(),
                    e.at("/fieldsV1").toString()));
            assertThat(byManager).containsOnly(java.util.Map.entry("kubectl-create Update", "{\"f:data\":{\"f:a\":{}}}"),
                    java.util.Map.entry("kubectl-label Update", "{\"f:metadata\":{\"f:labels\":{\"f:team\":{}}}}"));
        }
    }

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
