package dev.skiff.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The controller manager inside a real {@code skiff server}, driven by the real kubectl. */
class KubectlControllersTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void aReplicaSetKeepsItsPodsThroughDeletesAndScaling() throws Exception {
        Path kubeconfig = dir.resolve("admin.yaml");
        try (var server = SkiffProcess.apiServer(dir, SkiffProcess.freePort(), kubeconfig)) {
            var kubectl = new Kubectl(kubeconfig, dir);
            Path rs = dir.resolve("rs.yaml");
            Files.writeString(rs, """
                    apiVersion: apps/v1
                    kind: ReplicaSet
                    metadata:
                      name: web
                    spec:
                      replicas: 3
                      selector:
                        matchLabels:
                          app: web
                      template:
                        metadata:
                          labels:
                            app: web
                        spec:
                          containers:
                          - name: web
                            image: busybox
                    """);
            kubectl.ok("kubectl", "apply", "-f", rs.toString());
            awaitPods(kubectl, 3);
            var lines = kubectl.ok("kubectl", "get", "rs", "web").lines().toList();
            assertThat(cells(lines.getFirst())).containsExactly("NAME", "DESIRED", "CURRENT", "READY", "AGE");
            awaitText(kubectl, List.of("get", "rs", "web", "-o", "jsonpath={.spec.replicas} {.status.replicas}"), "3 3");

            String first = kubectl.ok("kubectl", "get", "pods", "-l", "app=web", "-o", "jsonpath={.items[0].metadata.name}");
            kubectl.ok("kubectl", "delete", "pod", first, "--wait=false");
            awaitPods(kubectl, 3);
            assertThat(kubectl.ok("kubectl", "get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].metadata.name}")).doesNotContain(first);

            for (String k : List.of("kubectl", Kubectl.oldest())) {
                kubectl.ok(k, "scale", "rs", "web", "--replicas=1");
                awaitPods(kubectl, 1);
                kubectl.ok(k, "scale", "rs", "web", "--replicas=2");
                awaitPods(kubectl, 2);
            }
            assertThat(kubectl.ok("kubectl", "get", "events", "--field-selector", "involvedObject.name=web,reason=SuccessfulCreate",
                    "-o", "jsonpath={.items[0].message}")).startsWith("Created pod: web-");
        }
    }

    /**
     * kubectl's rollout commands against the Deployment controller. No agent runs here, so a thread
     * plays the kubelet: it marks every new pod Running and Ready through pods/status.
     */
    /** An image the test kubelet below never starts. */
    private static final String STALLED_IMAGE = "busybox:stalled";

    @Test
    void kubectlRolloutStatusHistoryUndoAndRestart() throws Exception {
        Path kubeconfig = dir.resolve("admin.yaml");
        try (var server = SkiffProcess.apiServer(dir, SkiffProcess.freePort(), kubeconfig);
             var client = dev.skiff.client.rest.RestClients.fromKubeconfig(kubeconfig)) {
            var kubeletRunning = new java.util.concurrent.atomic.AtomicBoolean(true);
            Thread kubelet = Thread.ofVirtual().start(() -> {
                while (kubeletRunning.get()) {
                    try {
                        for (var pod : client.pods().inNamespace("default").list().getItems()) {
                            if (pod.getMetadata().getDeletionTimestamp() == null && !"Running".equals(pod.getStatus().getPhase())
                                    && !STALLED_IMAGE.equals(pod.getSpec().getContainers().getFirst().getImage())) {
                                client.pods().inNamespace("default").withName(pod.getMetadata().getName()).editStatus(p ->
                                        new io.fabric8.kubernetes.api.model.PodBuilder(p).editStatus().withPhase("Running").addNewCondition()
                                                .withType("Ready").withStatus("True").withLastTransitionTime(Instant.now().toString().replaceAll("\\.\\d+Z", "Z"))
                                                .endCondition().endStatus().build());
                            }
                        }
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    } catch (RuntimeException e) {
                        // raced with a deletion; next round
                    }
                }
            });
            try {
                var kubectl = new Kubectl(kubeconfig, dir);
                assertThat(kubectl.ok("kubectl", "create", "deployment", "web", "--image=busybox:1", "--replicas=3"))
                        .isEqualTo("deployment.apps/web created");
                assertThat(kubectl.ok("kubectl", "rollout", "status", "deployment/web", "--timeout=60s"))
                        .endsWith("deployment \"web\" successfully rolled out");
                kubectl.ok("kubectl", "set", "image", "deployment/web", "busybox=busybox:2");
                assertThat(kubectl.ok(Kubectl.oldest(), "rollout", "status", "deployment/web", "--timeout=60s"))
                        .endsWith("deployment \"web\" successfully rolled out");
                assertThat(kubectl.ok("kubectl", "get", "deployment", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}"))
                        .isEqualTo("busybox:2");
                var history = kubectl.ok("kubectl", "rollout", "history", "deployment/web").lines().toList();
                assertThat(history).anyMatch(l -> l.startsWith("1 ")).anyMatch(l -> l.startsWith("2 "));

                kubectl.ok("kubectl", "rollout", "undo", "deployment/web");
                kubectl.ok("kubectl", "rollout", "status", "deployment/web", "--timeout=60s");
                assertThat(kubectl.ok("kubectl", "get", "deployment", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}"))
                        .isEqualTo("busybox:1");
                awaitText(kubectl, List.of("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].spec.containers[0].image}"),
                        "busybox:1 busybox:1 busybox:1");

                // a rollout whose pods never get ready: rollout status ends with the progress deadline, as upstream's kubectl says it
                kubectl.ok("kubectl", "patch", "deployment", "web", "-p", "{\"spec\":{\"progressDeadlineSeconds\":5}}");
                kubectl.ok("kubectl", "set", "image", "deployment/web", "busybox=" + STALLED_IMAGE);
                var stalled = kubectl.run("kubectl", "rollout", "status", "deployment/web", "--timeout=60s");
                assertThat(stalled.exit()).as(stalled.out()).isEqualTo(1);
                assertThat(stalled.err().strip()).isEqualTo("error: deployment \"web\" exceeded its progress deadline");
                kubectl.ok("kubectl", "rollout", "undo", "deployment/web");
                kubectl.ok("kubectl", "rollout", "status", "deployment/web", "--timeout=60s");

                kubectl.ok("kubectl", "rollout", "restart", "deployment/web");
                kubectl.ok("kubectl", "rollout", "status", "deployment/web", "--timeout=60s");
                assertThat(kubectl.ok("kubectl", "get", "deployment", "web", "-o",
                        "jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}")).isEqualTo("6");
                var lines = kubectl.ok("kubectl", "get", "deployment", "web").lines().toList();
                assertThat(cells(lines.getFirst())).containsExactly("NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE");
                assertThat(cells(lines.get(1)).subList(0, 4)).containsExactly("web", "3/3", "3", "3");
            } finally {
                kubeletRunning.set(false);
                kubelet.join();
            }
        }
    }

    /** kubectl create quota, the quota controller's usage in kubectl describe, and the ResourceQuota admission refusal kubectl prints. */
    @Test
    void aResourceQuotaLimitsPodsAndDescribeShowsItsUsage() throws Exception {
        Path kubeconfig = dir.resolve("admin.yaml");
        try (var server = SkiffProcess.apiServer(dir, SkiffProcess.freePort(), kubeconfig)) {
            var kubectl = new Kubectl(kubeconfig, dir);
            kubectl.ok("kubectl", "create", "namespace", "limited");
            assertThat(kubectl.ok("kubectl", "create", "quota", "q1", "-n", "limited", "--hard=pods=2,requests.cpu=1"))
                    .isEqualTo("resourcequota/q1 created");
            awaitText(kubectl, List.of("get", "quota", "q1", "-n", "limited", "-o", "jsonpath={.status.used.pods}"), "0");
            for (String pod : List.of("p1", "p2")) {
                kubectl.ok("kubectl", "run", pod, "-n", "limited", "--image=busybox", "--overrides",
                        "{\"spec\":{\"containers\":[{\"name\":\"" + pod + "\",\"image\":\"busybox\",\"resources\":{\"requests\":{\"cpu\":\"300m\"}}}]}}");
            }
            var refused = kubectl.run("kubectl", "run", "p3", "-n", "limited", "--image=busybox", "--overrides",
                    "{\"spec\":{\"containers\":[{\"name\":\"p3\",\"image\":\"busybox\",\"resources\":{\"requests\":{\"cpu\":\"300m\"}}}]}}");
            assertThat(refused.exit()).isEqualTo(1);
            assertThat(refused.err().strip()).isEqualTo("Error from server (Forbidden): pods \"p3\" is forbidden: exceeded quota: q1, "
                    + "requested: pods=1, used: pods=2, limited: pods=2");
            var unstated = kubectl.run("kubectl", "run", "p4", "-n", "limited", "--image=busybox");
            assertThat(unstated.err().strip()).isEqualTo("Error from server (Forbidden): pods \"p4\" is forbidden: failed quota: q1: "
                    + "must specify requests.cpu for: p4");
            var describe = kubectl.ok("kubectl", "describe", "quota", "q1", "-n", "limited").lines()
                    .map(l -> String.join(" ", l.strip().split("\\s+"))).toList();
            assertThat(describe).contains("Name: q1", "Namespace: limited", "Resource Used Hard", "pods 2 2", "requests.cpu 600m 1");
            var table = kubectl.ok("kubectl", "get", "quota", "-n", "limited").lines().toList();
            assertThat(cells(table.get(1))).startsWith("q1").contains("pods: 2/2, requests.cpu: 600m/1");
        }
    }

    @Test
    void withTheControllerManagerDisabledNothingActs() throws Exception {
        Path kubeconfig = dir.resolve("admin.yaml");
        try (var server = SkiffProcess.apiServer(dir, SkiffProcess.freePort(), kubeconfig, "--disable-controller-manager")) {
            var kubectl = new Kubectl(kubeconfig, dir);
            Path rs = dir.resolve("rs.yaml");
            Files.writeString(rs, """
                    {"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"idle"},
                     "spec":{"replicas":2,"selector":{"matchLabels":{"app":"idle"}},
                             "template":{"metadata":{"labels":{"app":"idle"}},"spec":{"containers":[{"name":"c","image":"busybox"}]}}}}
                    """);
            kubectl.ok("kubectl", "create", "-f", rs.toString());
            Thread.sleep(3000); // a running controller creates pods within milliseconds
            assertThat(kubectl.ok("kubectl", "get", "pods", "-l", "app=idle", "-o", "name")).isEmpty();
        }
    }

    private static void awaitPods(Kubectl kubectl, int count) throws Exception {
        Instant deadline = Instant.now().plus(TIMEOUT);
        int seen = -1;
        while (Instant.now().isBefore(deadline)) {
            String names = kubectl.ok("kubectl", "get", "pods", "-l", "app=web", "-o",
                    "jsonpath={range .items[?(@.metadata.deletionTimestamp)]}x{end}|{.items[*].metadata.name}");
            String[] parts = names.split("\\|", -1);
            seen = parts[1].isBlank() ? 0 : parts[1].trim().split("\\s+").length - parts[0].length();
            if (seen == count) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("expected " + count + " pods, saw " + seen);
    }

    private static void awaitText(Kubectl kubectl, List<String> args, String expected) throws Exception {
        Instant deadline = Instant.now().plus(TIMEOUT);
        String last = "";
        while (Instant.now().isBefore(deadline)) {
            last = kubectl.ok("kubectl", args.toArray(String[]::new));
            if (last.equals(expected)) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("expected '" + expected + "', last '" + last + "'");
    }

    private static List<String> cells(String line) {
        return Arrays.asList(line.trim().split("\\s{2,}"));
    }
}
