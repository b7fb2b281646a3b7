package dev.skiff.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The non-core API groups (apps, batch, autoscaling v1 and v2, policy, scheduling, rbac, the
 * authentication and authorization reviews) through the real kubectl, newest and 1.27, against a
 * real {@code skiff server} process. Each kubectl create here sends protobuf, as typed clients do.
 */
class KubectlGroupsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static SkiffProcess server;
    static Kubectl kubectl;
    static String oldest;

    @BeforeAll
    static void startServer() throws Exception {
        Path kubeconfig = dir.resolve("admin.yaml");
        server = SkiffProcess.apiServer(dir, SkiffProcess.freePort(), kubeconfig);
        kubectl = new Kubectl(kubeconfig, dir);
        oldest = Kubectl.oldest();
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            assertThat(server.stop()).isEqualTo(143);
        }
    }

    private static List<String> header(String table) {
        return Arrays.asList(table.lines().findFirst().orElseThrow().trim().split("\\s{2,}"));
    }

    private static JsonNode json(String out) throws Exception {
        return JSON.readTree(out);
    }

    @Test
    void workloadsAreCreatedDefaultedAndListedWithUpstreamColumns() throws Exception {
        kubectl.ok("kubectl", "create", "namespace", "work");
        assertThat(kubectl.ok("kubectl", "create", "deployment", "web", "--image=nginx", "--replicas=3", "-n", "work"))
                .isEqualTo("deployment.apps/web created");
        assertThat(kubectl.ok(oldest, "create", "deployment", "old", "--image=busybox:1.36", "-n", "work"))
                .isEqualTo("deployment.apps/old created");
        JsonNode web = json(kubectl.ok("kubectl", "get", "deployment", "web", "-n", "work", "-o", "json"));
        assertThat(web.at("/spec/replicas").asInt()).isEqualTo(3);
        assertThat(web.at("/spec/strategy/rollingUpdate/maxSurge").asText()).isEqualTo("25%");
        assertThat(web.at("/spec/revisionHistoryLimit").asInt()).isEqualTo(10);
        assertThat(web.at("/spec/progressDeadlineSeconds").asInt()).isEqualTo(600);
        assertThat(web.at("/spec/template/spec/restartPolicy").asText()).isEqualTo("Always");
        assertThat(web.at("/spec/template/spec/containers/0/imagePullPolicy").asText()).isEqualTo("Always");
        assertThat(web.at("/metadata/generation").asInt()).isEqualTo(1);

        assertThat(kubectl.ok("kubectl", "create", "job", "pi", "--image=busybox:1.36", "-n", "work")).isEqualTo("job.batch/pi created");
        JsonNode job = json(kubectl.ok("kubectl", "get", "job", "pi", "-n", "work", "-o", "json"));
        String uid = job.at("/metadata/uid").asText();
        assertThat(job.at("/spec/selector/matchLabels/batch.kubernetes.io~1controller-uid").asText()).isEqualTo(uid);
        assertThat(job.at("/spec/template/metadata/labels/job-name").asText()).isEqualTo("pi");
        assertThat(job.at("/spec/backoffLimit").asInt()).isEqualTo(6);
        assertThat(kubectl.ok(oldest, "create", "cronjob", "tick", "--image=busybox:1.36", "--schedule=*/5 * * * *", "-n", "work"))
                .isEqualTo("cronjob.batch/tick created");
        var bad = kubectl.run("kubectl", "create", "cronjob", "bad", "--image=busybox", "--schedule=61 * * * *", "-n", "work");
        assertThat(bad.exit()).isNotZero();
        assertThat(bad.err()).contains("spec.schedule: Invalid value: \"61 * * * *\": end of range (61) above maximum (59): 61");

        for (String k : List.of("kubectl", oldest)) {
            String all = kubectl.ok(k, "get", "deploy,rs,sts,ds,job,cronjob", "-n", "work");
            assertThat(all).as(k).contains("deployment.apps/web", "deployment.apps/old", "job.batch/pi", "cronjob.batch/tick");
            assertThat(header(kubectl.ok(k, "get", "deploy", "-n", "work"))).as(k)
                    .containsExactly("NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE");
            assertThat(header(kubectl.ok(k, "get", "deploy", "-n", "work", "-o", "wide"))).as(k)
                    .containsExactly("NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR");
            assertThat(header(kubectl.ok(k, "get", "job", "-n", "work"))).as(k)
                    .containsExactly("NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE");
            assertThat(header(kubectl.ok(k, "get", "cronjob", "-n", "work"))).as(k)
                    .containsExactly("NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE");
        }
        // the Deployment controller creates the ReplicaSet (UP-TO-DATE 3); no node runs its pods (READY 0/3, AVAILABLE 0)
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        String[] row = kubectl.ok("kubectl", "get", "deploy", "web", "-n", "work", "--no-headers").split("\\s+");
        while (!row[2].equals("3") && System.nanoTime() < deadline) {
            Thread.sleep(200);
            row = kubectl.ok("kubectl", "get", "deploy", "web", "-n", "work", "--no-headers").split("\\s+");
        }
        assertThat(row).startsWith("web", "0/3", "3", "0");
        assertThat(kubectl.ok("kubectl", "get", "job", "pi", "-n", "work", "--no-headers").split("\\s+")).startsWith("pi", "Running", "0/1");
    }

    @Test
    void invalidWorkloadsGetUpstreamErrors() throws Exception {
        kubectl.ok("kubectl", "create", "namespace", "bad");
        Path file = dir.resolve("mismatch.yaml");
        Files.writeString(file, """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: mismatch}
                spec:
                  selector: {matchLabels: {app: a}}
                  template:
                    metadata: {labels: {app: b}}
                    spec: {containers: [{name: c, image: nginx}]}
                """);
        var result = kubectl.run("kubectl", "create", "-f", file.toString(), "-n", "bad");
        assertThat(result.err().strip()).isEqualTo("The Deployment \"mismatch\" is invalid: spec.template.metadata.labels: "
                + "Invalid value: map[string]string{\"app\":\"b\"}: `selector` does not match template `labels`");
    }

    @Test
    void horizontalPodAutoscalersAreOneObjectInBothVersions() throws Exception {
        kubectl.ok("kubectl", "create", "namespace", "scale");
        Path v2 = dir.resolve("hpa-v2.yaml");
        Files.writeString(v2, """
                apiVersion: autoscaling/v2
                kind: HorizontalPodAutoscaler
                metadata: {name: web}
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
                  maxReplicas: 5
                  metrics:
                  - type: Resource
                    resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}
                  - type: Pods
                    pods: {metric: {name: packets}, target: {type: AverageValue, averageValue: 1k}}
                """);
        Path v1 = dir.resolve("hpa-v1.yaml");
        Files.writeString(v1, """
                apiVersion: autoscaling/v1
                kind: HorizontalPodAutoscaler
                metadata: {name: old}
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: old}
                  maxReplicas: 4
                  targetCPUUtilizationPercentage: 60
                """);
        kubectl.ok("kubectl", "create", "-f", v2.toString(), "-n", "scale");
        kubectl.ok(oldest, "create", "-f", v1.toString(), "-n", "scale", "--validate=false");
        JsonNode asV1 = json(kubectl.ok("kubectl", "get", "horizontalpodautoscalers.v1.autoscaling", "web", "-n", "scale", "-o", "json"));
        assertThat(asV1.at("/apiVersion").asText()).isEqualTo("autoscaling/v1");
        assertThat(asV1.at("/spec/targetCPUUtilizationPercentage").asInt()).isEqualTo(70);
        assertThat(asV1.at("/metadata/annotations/autoscaling.alpha.kubernetes.io~1metrics").asText())
                .isEqualTo("[{\"type\":\"Pods\",\"pods\":{\"metricName\":\"packets\",\"targetAverageValue\":\"1k\"}}]");
        JsonNode asV2 = json(kubectl.ok("kubectl", "get", "horizontalpodautoscalers.v2.autoscaling", "old", "-n", "scale", "-o", "json"));
        assertThat(asV2.at("/spec/metrics/0/resource/target/averageUtilization").asInt()).isEqualTo(60);
        assertThat(asV2.at("/spec/minReplicas").asInt()).isEqualTo(1);
        assertThat(kubectl.ok("kubectl", "get", "hpa", "-n", "scale")).contains("Deployment/web", "cpu: <unknown>/70%");
    }

    @Test
    void policySchedulingAndRbacFromKubectlCreate() throws Exception {
        kubectl.ok("kubectl", "create", "namespace", "rbac");
        for (String k : List.of("kubectl", oldest)) {
            String suffix = k.equals("kubectl") ? "new" : "old";
            assertThat(kubectl.ok(k, "create", "role", "reader-" + suffix, "--verb=get,list", "--resource=configmaps", "-n", "rbac"))
                    .isEqualTo("role.rbac.authorization.k8s.io/reader-" + suffix + " created");
            assertThat(kubectl.ok(k, "create", "rolebinding", "read-" + suffix, "--role=reader-" + suffix, "--user=alice", "-n", "rbac"))
                    .isEqualTo("rolebinding.rbac.authorization.k8s.io/read-" + suffix + " created");
            assertThat(kubectl.ok(k, "create", "clusterrole", "ns-reader-" + suffix, "--verb=get", "--resource=namespaces"))
                    .isEqualTo("clusterrole.rbac.authorization.k8s.io/ns-reader-" + suffix + " created");
            assertThat(kubectl.ok(k, "create", "priorityclass", "high-" + suffix, "--value=1000"))
                    .isEqualTo("priorityclass.scheduling.k8s.io/high-" + suffix + " created");
            assertThat(kubectl.ok(k, "create", "pdb", "web-" + suffix, "--selector=app=web", "--min-available=1", "-n", "rbac"))
                    .isEqualTo("poddisruptionbudget.policy/web-" + suffix + " created");
        }
        assertThat(kubectl.ok("kubectl", "get", "rolebinding", "read-new", "-n", "rbac", "-o", "wide", "--no-headers").split("\\s+"))
                .startsWith("read-new", "Role/reader-new");
        assertThat(kubectl.ok("kubectl", "get", "pc", "--no-headers").lines().map(l -> l.split("\\s+")[0] + " " + l.split("\\s+")[1]))
                .contains("system-node-critical 2000001000", "system-cluster-critical 2000000000", "high-new 1000");
        assertThat(header(kubectl.ok("kubectl", "get", "pdb", "-n", "rbac")))
                .containsExactly("NAME", "MIN AVAILABLE", "MAX UNAVAILABLE", "ALLOWED DISRUPTIONS", "AGE");
        kubectl.ok("kubectl", "create", "priorityclass", "default-one", "--value=1", "--global-default");
        assertThat(kubectl.run("kubectl", "create", "priorityclass", "default-two", "--value=2", "--global-default").err().strip())
                .isEqualTo("error: failed to create priorityclass: priorityclasses.scheduling.k8s.io \"default-two\" is forbidden: "
                        + "PriorityClass default-one is already marked as default. Only one default can exist");
        var tooHigh = kubectl.run("kubectl", "create", "priorityclass", "huge", "--value=2000000000");
        assertThat(tooHigh.err()).contains("value: Forbidden: maximum allowed value of a user defined priority is 1000000000");
        // roleRef may not change
        String rb = kubectl.ok("kubectl", "get", "rolebinding", "read-new", "-n", "rbac", "-o", "json");
        Path changed = dir.resolve("rb.json");
        Files.writeString(changed, rb.replace("\"reader-new\"", "\"other\""));
        assertThat(kubectl.run("kubectl", "replace", "-f", changed.toString()).err()).contains("cannot change roleRef");
    }

    @Test
    void eventsK8sIoEventsAreStoredAsCoreEvents() throws Exception {
        Path file = dir.resolve("event.yaml");
        Files.writeString(file, """
                apiVersion: events.k8s.io/v1
                kind: Event
                metadata: {name: started, namespace: default}
                eventTime: "2026-01-01T00:00:00.000000Z"
                regarding: {kind: Pod, name: web, namespace: default}
                reason: Started
                note: started container web
                action: Start
                type: Normal
                reportingController: example.com/kubelet
                reportingInstance: node-1
                """);
        kubectl.ok("kubectl", "create", "-f", file.toString());
        JsonNode event = json(kubectl.ok("kubectl", "get", "events.v1.events.k8s.io", "started", "-o", "json"));
        assertThat(event.at("/apiVersion").asText()).isEqualTo("events.k8s.io/v1");
        assertThat(event.at("/note").asText()).isEqualTo("started container web");
        assertThat(event.at("/regarding/name").asText()).isEqualTo("web");
        assertThat(event.at("/reportingController").asText()).isEqualTo("example.com/kubelet");
        assertThat(kubectl.ok("kubectl", "get", "events.v1.events.k8s.io", "--field-selector", "regarding.name=web", "-o", "name"))
                .isEqualTo("event.events.k8s.io/started");
    }

    @Test
    void whoAmIAndCanIAnswerForTheCaller() throws Exception {
        for (String k : List.of("kubectl", oldest)) {
            String whoami = kubectl.ok(k, "auth", "whoami");
            assertThat(whoami).as(k).contains("system:admin").contains("system:masters").contains("system:authenticated");
            assertThat(kubectl.ok(k, "auth", "can-i", "create", "deployments")).as(k).isEqualTo("yes");
        }
    }
}
