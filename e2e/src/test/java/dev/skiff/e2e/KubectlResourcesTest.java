package dev.skiff.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
        server = SkiffProcess.apiServer(dir, SkiffProcess.freePort(), kubeconfig);
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

    /**
     * kubectl edit with the editor a script (KUBE_EDITOR): the edit is sent and stored; an edit the
     * server refuses comes back to the editor with the server's reasons as comments, and when the
     * editor changes nothing more kubectl gives up, keeps a copy, and the object stays as it was.
     */
    @Test
    void editThroughAnEditorScriptWithNewestAndOldestKubectl() throws Exception {
        Path seen = dir.resolve("editor-saw.txt");
        Path editor = dir.resolve("editor.sh");
        Files.writeString(editor, "#!/bin/sh\ncat \"$1\" >> " + seen + "\nsed -i \"$EDIT\" \"$1\"\n");
        assertThat(editor.toFile().setExecutable(true)).isTrue();
        ok("kubectl", "create", "namespace", "edits");
        for (String kubectl : List.of("kubectl", oldestKubectl())) {
            String name = kubectl.equals("kubectl") ? "newest" : "oldest";
            ok(kubectl, "create", "configmap", name, "-n", "edits", "--from-literal=a=before");
            var edit = new Kubectl(kubeconfig, dir).runWith(java.util.Map.of("KUBE_EDITOR", editor.toString(), "EDIT", "s/a: before/a: after/"),
                    null, kubectl, "edit", "configmap", name, "-n", "edits");
            assertThat(edit.exit()).as(kubectl + ": " + edit.err()).isZero();
            assertThat(edit.out().strip()).isEqualTo("configmap/" + name + " edited");
            assertThat(ok(kubectl, "get", "cm", name, "-n", "edits", "-o", "jsonpath={.data.a}")).isEqualTo("after");

            Files.deleteIfExists(seen);
            var refused = new Kubectl(kubeconfig, dir).runWith(java.util.Map.of("KUBE_EDITOR", editor.toString(), "EDIT", "s/  a: after/  a b: after/"),
                    null, kubectl, "edit", "configmap", name, "-n", "edits");
            assertThat(refused.exit()).as(kubectl).isEqualTo(1);
            assertThat(refused.err()).as(kubectl).contains("Edit cancelled, no valid changes were saved.");
            assertThat(Files.readString(seen)).as(kubectl + ": the second round shows the server's reasons")
                    .contains("configmaps \"" + name + "\" was not valid:").contains("a valid config key must consist of alphanumeric characters");
            assertThat(ok(kubectl, "get", "cm", name, "-n", "edits", "-o", "jsonpath={.data}")).isEqualTo("{\"a\":\"after\"}");

            var unchanged = new Kubectl(kubeconfig, dir).runWith(java.util.Map.of("KUBE_EDITOR", editor.toString(), "EDIT", "s/nothing//"),
                    null, kubectl, "edit", "configmap", name, "-n", "edits");
            assertThat(unchanged.exit()).as(kubectl).isZero();
            assertThat(unchanged.err().strip()).as(kubectl).isEqualTo("Edit cancelled, no changes made.");
        }
    }

    @Test
    void annotateAndSetBasedSelectorsWithNewestAndOldestKubectl() throws Exception {
        ok("kubectl", "create", "namespace", "sel");
        ok("kubectl", "create", "configmap", "s1", "-n", "sel");
        ok("kubectl", "create", "configmap", "s2", "-n", "sel");
        ok("kubectl", "create", "configmap", "s3", "-n", "sel");
        ok("kubectl", "label", "cm", "s1", "s2", "s3", "-n", "sel", "app=sel");
        ok("kubectl", "label", "cm", "s1", "-n", "sel", "tier=web");
        ok("kubectl", "label", "cm", "s2", "-n", "sel", "tier=db");
        for (String kubectl : List.of("kubectl", oldestKubectl())) {
            assertThat(ok(kubectl, "get", "cm", "-n", "sel", "-l", "app=sel,tier in (web,db)", "-o", "name").lines())
                    .as(kubectl).containsExactly("configmap/s1", "configmap/s2");
            assertThat(ok(kubectl, "get", "cm", "-n", "sel", "-l", "app=sel,tier notin (web)", "-o", "name").lines())
                    .as(kubectl + ": notin also matches what lacks the label").containsExactly("configmap/s2", "configmap/s3");
            assertThat(ok(kubectl, "get", "cm", "-n", "sel", "-l", "app=sel,!tier", "-o", "name")).as(kubectl).isEqualTo("configmap/s3");
            assertThat(ok(kubectl, "get", "cm", "-n", "sel", "-l", "app=sel,tier", "-o", "name").lines()).as(kubectl)
                    .containsExactly("configmap/s1", "configmap/s2");
            assertThat(run(kubectl, "get", "cm", "-n", "sel", "-l", "tier in (web").err()).as(kubectl)
                    .contains("unable to parse requirement");

            // some kubectl versions print "annotate" (their own typo, kubernetes/kubectl#1462)
            assertThat(ok(kubectl, "annotate", "cm", "s1", "-n", "sel", "team=blue")).matches("configmap/s1 annotated?");
            assertThat(ok(kubectl, "get", "cm", "s1", "-n", "sel", "-o", "jsonpath={.metadata.annotations.team}")).isEqualTo("blue");
            assertThat(run(kubectl, "annotate", "cm", "s1", "-n", "sel", "team=red").err()).as(kubectl)
                    .contains("--overwrite is false but found the following declared annotation(s): 'team' already has a value (blue)");
            assertThat(ok(kubectl, "annotate", "cm", "s1", "-n", "sel", "team=red", "--overwrite")).matches("configmap/s1 annotated?");
            assertThat(ok(kubectl, "get", "cm", "s1", "-n", "sel", "-o", "jsonpath={.metadata.annotations.team}")).isEqualTo("red");
            assertThat(ok(kubectl, "annotate", "cm", "s1", "-n", "sel", "team-")).matches("configmap/s1 annotated?");
            assertThat(ok(kubectl, "get", "cm", "s1", "-n", "sel", "-o", "jsonpath={.metadata.annotations}")).doesNotContain("team");
        }
    }

    /** kubectl delete --cascade=background (the default), orphan and foreground, carried out by the server's garbage collector. */
    @Test
    void deleteInEachCascadeMode() throws Exception {
        ok("kubectl", "create", "namespace", "gc");
        for (String mode : List.of("background", "orphan", "foreground")) {
            String owner = "owner-" + mode;
            String dependent = "dependent-" + mode;
            ok("kubectl", "create", "configmap", owner, "-n", "gc");
            String uid = ok("kubectl", "get", "cm", owner, "-n", "gc", "-o", "jsonpath={.metadata.uid}");
            var created = new Kubectl(kubeconfig, dir).runWithInput("""
                    {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"%s","namespace":"gc",
                     "ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":"%s","uid":"%s"}]}}""".formatted(dependent, owner, uid),
                    "kubectl", "create", "-f", "-");
            assertThat(created.exit()).as(created.err()).isZero();
            assertThat(ok("kubectl", "delete", "cm", owner, "-n", "gc", "--cascade=" + mode)).isEqualTo("configmap \"" + owner + "\" deleted");
            assertThat(run("kubectl", "get", "cm", owner, "-n", "gc").exit()).as(mode + ": delete waits until the owner is gone").isEqualTo(1);
            if (mode.equals("orphan")) {
                assertThat(ok("kubectl", "get", "cm", dependent, "-n", "gc", "-o", "jsonpath={.metadata.ownerReferences}"))
                        .as("orphaned: kept, its reference to the owner removed before the owner went").isEmpty();
            } else if (mode.equals("foreground")) {
                assertThat(run("kubectl", "get", "cm", dependent, "-n", "gc").exit()).as("foreground: the dependent went first").isEqualTo(1);
            } else {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (run("kubectl", "get", "cm", dependent, "-n", "gc").exit() == 0 && System.nanoTime() < deadline) {
                    Thread.sleep(200);
                }
                assertThat(run("kubectl", "get", "cm", dependent, "-n", "gc").err().strip())
                        .as("background: the collector deletes the dependent after the owner")
                        .isEqualTo("Error from server (NotFound): configmaps \"" + dependent + "\" not found");
            }
        }
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

    @Test
    void podsWithStatusTableAndWideColumns() throws Exception {
        ok("kubectl", "create", "namespace", "work");
        Path file = dir.resolve("pod.yaml");
        Files.writeString(file, "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: work\n  labels:\n    app: web\n"
                + "spec:\n  containers:\n  - name: c\n    image: busybox:1.36\n    ports:\n    - containerPort: 80\n");
        for (String kubectl : List.of("kubectl", oldestKubectl())) {
            ok(kubectl, "delete", "pod", "web", "-n", "work", "--ignore-not-found", "--wait=false");
            // 1.27 validates files with OpenAPI v2 on the client, which skiff does not serve yet
            assertThat(ok(kubectl, "create", "-f", file.toString(), "--validate=false")).as(kubectl).isEqualTo("pod/web created");
            var wide = ok(kubectl, "get", "pods", "-n", "work", "-o", "wide").lines().toList();
            assertThat(wide.get(0).split("\\s+")).as(kubectl).containsExactly("NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE",
                    "NOMINATED", "NODE", "READINESS", "GATES");
            assertThat(List.of(wide.get(1).split("\\s+"))).as(kubectl).startsWith("web", "0/1", "Pending", "0")
                    .endsWith("<none>", "<none>", "<none>", "<none>");
        }
        JsonNode pod = JSON.readTree(ok("kubectl", "get", "pod", "web", "-n", "work", "-o", "json"));
        assertThat(pod.at("/spec/restartPolicy").asText()).isEqualTo("Always");
        assertThat(pod.at("/spec/containers/0/imagePullPolicy").asText()).isEqualTo("IfNotPresent");
        assertThat(pod.at("/status/qosClass").asText()).isEqualTo("BestEffort");
        assertThat(ok("kubectl", "get", "pods", "-n", "work", "--field-selector", "status.phase=Pending", "-o", "name")).isEqualTo("pod/web");
        var invalid = run("kubectl", "patch", "pod", "web", "-n", "work", "--type=merge", "-p", "{\"spec\":{\"restartPolicy\":\"Never\"}}");
        assertThat(invalid.exit()).isEqualTo(1);
        assertThat(invalid.err()).contains("The Pod \"web\" is invalid: spec: Forbidden: pod updates may not change fields other than");
        assertThat(ok("kubectl", "patch", "pod", "web", "-n", "work", "--subresource=status", "--type=merge", "-p",
                "{\"status\":{\"phase\":\"Running\",\"podIPs\":[{\"ip\":\"10.42.0.9\"}]}}")).isEqualTo("pod/web patched");
        assertThat(ok("kubectl", "get", "pod", "web", "-n", "work", "-o", "wide", "--no-headers").split("\\s+")[5]).isEqualTo("10.42.0.9");
        assertThat(ok("kubectl", "delete", "pod", "web", "-n", "work")).isEqualTo("pod \"web\" deleted");
    }

    @Test
    void replicationControllersScale() throws Exception {
        ok("kubectl", "create", "namespace", "rcs");
        Path file = dir.resolve("rc.yaml");
        Files.writeString(file, "apiVersion: v1\nkind: ReplicationController\nmetadata:\n  name: arc\n  namespace: rcs\nspec:\n"
                + "  replicas: 2\n  template:\n    metadata:\n      labels:\n        app: arc\n    spec:\n      containers:\n"
                + "      - name: c\n        image: busybox:1.36\n");
        assertThat(ok("kubectl", "create", "-f", file.toString(), "--validate=false")).isEqualTo("replicationcontroller/arc created");
        for (String kubectl : List.of("kubectl", oldestKubectl())) {
            assertThat(ok(kubectl, "scale", "rc", "arc", "-n", "rcs", "--replicas=10")).as(kubectl)
                    .isEqualTo("replicationcontroller/arc scaled");
        }
        assertThat(ok("kubectl", "get", "rc", "arc", "-n", "rcs", "-o", "jsonpath={.spec.replicas} {.metadata.generation}"))
                .isEqualTo("10 2"); // the second scale to 10 changes nothing, so generation stays
        // the replication controller in skiff server makes the pods (no node runs them here)
        java.time.Instant deadline = java.time.Instant.now().plusSeconds(60);
        while (!ok("kubectl", "get", "rc", "arc", "-n", "rcs", "-o", "jsonpath={.status.replicas}").equals("10")) {
            assertThat(java.time.Instant.now()).as("status.replicas reaches 10").isBefore(deadline);
            Thread.sleep(200);
        }
        assertThat(ok("kubectl", "get", "pods", "-n", "rcs", "-l", "app=arc", "--no-headers").lines()).hasSize(10);
        var table = ok("kubectl", "get", "rc", "-n", "rcs", "-o", "wide").lines().toList();
        assertThat(table.get(0).split("\\s+")).containsExactly("NAME", "DESIRED", "CURRENT", "READY", "AGE", "CONTAINERS", "IMAGES", "SELECTOR");
        assertThat(List.of(table.get(1).split("\\s+"))).startsWith("arc", "10", "10", "0").endsWith("c", "busybox:1.36", "app=arc");
        var negative = run("kubectl", "scale", "rc", "arc", "-n", "rcs", "--replicas=-1");
        assertThat(negative.exit()).isNotZero();
    }

    @Test
    void nodesAndEvents() throws Exception {
        Path node = dir.resolve("node.yaml");
        Files.writeString(node, "apiVersion: v1\nkind: Node\nmetadata:\n  name: n1\n  labels:\n    node-role.kubernetes.io/worker: \"\"\n"
                + "status:\n  conditions:\n  - type: Ready\n    status: \"True\"\n  addresses:\n  - type: InternalIP\n    address: 10.0.0.7\n");
        assertThat(ok("kubectl", "create", "-f", node.toString(), "--validate=false")).isEqualTo("node/n1 created");
        for (String kubectl : List.of("kubectl", oldestKubectl())) {
            var nodes = ok(kubectl, "get", "nodes", "-o", "wide").lines().toList();
            assertThat(nodes.get(0).split("\\s+")).as(kubectl).containsExactly("NAME", "STATUS", "ROLES", "AGE", "VERSION", "INTERNAL-IP",
                    "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME");
            assertThat(List.of(nodes.get(1).split("\\s+"))).as(kubectl).startsWith("n1", "Ready", "worker").contains("10.0.0.7");
        }
        assertThat(ok("kubectl", "cordon", "n1")).isEqualTo("node/n1 cordoned");
        assertThat(ok("kubectl", "get", "no", "n1", "--no-headers").split("\\s+")[1]).isEqualTo("Ready,SchedulingDisabled");

        ok("kubectl", "create", "namespace", "evs");
        Path event = dir.resolve("event.yaml");
        Files.writeString(event, "apiVersion: v1\nkind: Event\nmetadata:\n  name: web.1\n  namespace: evs\ninvolvedObject:\n  kind: Pod\n"
                + "  name: web\n  namespace: evs\nreason: Scheduled\ntype: Normal\nmessage: assigned evs/web to n1\n"
                + "source:\n  component: default-scheduler\n");
        ok("kubectl", "create", "-f", event.toString(), "--validate=false");
        for (String kubectl : List.of("kubectl", oldestKubectl())) {
            var events = ok(kubectl, "get", "events", "-n", "evs").lines().toList();
            assertThat(events.get(0).split("\\s+")).as(kubectl).containsExactly("LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE");
            assertThat(events.get(1)).as(kubectl).contains("Normal", "Scheduled", "pod/web", "assigned evs/web to n1");
        }
        assertThat(ok("kubectl", "get", "events", "-n", "evs", "--field-selector", "involvedObject.kind=Pod,type=Normal", "-o", "name"))
                .isEqualTo("event/web.1");
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

    @Test
    void podSecurityLabelsRefuseWarnAndReportExistingPods() throws Exception {
        ok("kubectl", "create", "namespace", "psa");
        // the serviceaccount controller makes "default" a moment after the namespace
        for (int i = 0; i < 100 && run("kubectl", "get", "serviceaccount", "default", "-n", "psa").exit() != 0; i++) {
            Thread.sleep(100);
        }
        ok("kubectl", "run", "loose", "-n", "psa", "--image=busybox:1.36", "--restart=Never");
        var labelled = run("kubectl", "label", "namespace", "psa", "pod-security.kubernetes.io/enforce=restricted");
        assertThat(labelled.exit()).isZero();
        assertThat(labelled.out().strip()).isEqualTo("namespace/psa labeled");
        assertThat(labelled.err().lines().toList()).containsExactly(
                "Warning: existing pods in namespace \"psa\" violate the new PodSecurity enforce level \"restricted:latest\"",
                "Warning: loose: allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile");
        var refused = run("kubectl", "run", "x", "-n", "psa", "--image=busybox:1.36");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err().strip()).isEqualTo("Error from server (Forbidden): pods \"x\" is forbidden: violates PodSecurity "
                + "\"restricted:latest\": allowPrivilegeEscalation != false (container \"x\" must set securityContext.allowPrivilegeEscalation=false), "
                + "unrestricted capabilities (container \"x\" must set securityContext.capabilities.drop=[\"ALL\"]), runAsNonRoot != true "
                + "(pod or container \"x\" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container \"x\" must set "
                + "securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")");
        ok("kubectl", "label", "namespace", "psa", "--overwrite", "pod-security.kubernetes.io/enforce=privileged",
                "pod-security.kubernetes.io/warn=baseline");
        var hostPort = run("kubectl", "run", "host", "-n", "psa", "--image=busybox:1.36", "--restart=Never",
                "--overrides={\"spec\":{\"hostNetwork\":true}}");
        assertThat(hostPort.exit()).isZero();
        assertThat(hostPort.err().strip()).isEqualTo("Warning: would violate PodSecurity \"baseline:latest\": host namespaces (hostNetwork=true)");
    }

    static String oldestKubectl() throws IOException {
        return Kubectl.oldest();
    }

    private static List<String> command(String kubectl, String... args) {
        return new Kubectl(kubeconfig, dir).command(kubectl, args);
    }

    static Result run(String kubectl, String... args) throws Exception {
        var result = new Kubectl(kubeconfig, dir).run(kubectl, args);
        return new Result(result.exit(), result.out(), result.err());
    }

    static String ok(String kubectl, String... args) throws Exception {
        return new Kubectl(kubeconfig, dir).ok(kubectl, args);
    }
}
