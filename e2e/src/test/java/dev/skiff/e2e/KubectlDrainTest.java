package dev.skiff.e2e;

import static dev.skiff.e2e.KubectlAgentTest.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kubectl drain} against {@code skiff server} with simulated nodes: drain evicts through
 * pods/eviction, so a PodDisruptionBudget kept by the disruption controller holds it back while
 * the budget allows nothing and lets it through one pod at a time once it allows some.
 */
class KubectlDrainTest {
    private static final String VIOLATES = "Cannot evict pod as it would violate the pod's disruption budget.";

    @TempDir
    Path dir;

    @Test
    void drainRespectsAPodDisruptionBudget() throws Exception {
        Path kubeconfig = dir.resolve("admin.yaml");
        int port = SkiffProcess.freePort();
        try (var server = SkiffProcess.apiServer(dir, port, kubeconfig)) {
            var kubectl = new Kubectl(kubeconfig, dir);
            try (var agent = SkiffProcess.simulatedAgent(dir, port, 2)) {
                kubectl.ok("kubectl", "create", "deployment", "web", "--image=busybox", "--replicas=4");
                assertThat(kubectl.ok("kubectl", "rollout", "status", "deployment/web", "--timeout=90s")).contains("successfully rolled out");
                kubectl.ok("kubectl", "create", "poddisruptionbudget", "web", "--selector=app=web", "--min-available=4");
                await("the budget allows nothing with 4 of 4 healthy", () -> kubectl.ok("kubectl", "get", "pdb", "web", "-o",
                        "jsonpath={.status.currentHealthy}/{.status.desiredHealthy}/{.status.disruptionsAllowed}").equals("4/4/0"));
                String node = kubectl.ok("kubectl", "get", "pods", "-l", "app=web", "-o", "jsonpath={.items[0].spec.nodeName}");
                String onNode = podsOn(kubectl, node);

                var refused = kubectl.run("kubectl", "drain", node, "--ignore-daemonsets", "--timeout=12s");
                assertThat(refused.exit()).as("drain gives up: %s", refused.err()).isNotZero();
                assertThat(refused.err()).contains(VIOLATES);
                assertThat(podsOn(kubectl, node)).as("nothing was evicted").isEqualTo(onNode);

                kubectl.ok("kubectl", "patch", "pdb", "web", "--type=merge", "-p", "{\"spec\":{\"minAvailable\":3}}");
                var drained = kubectl.run("kubectl", "drain", node, "--ignore-daemonsets", "--timeout=50s");
                // on failure, what the budget and the pods looked like (a pod in disruptedPods that was never evicted
                // once kept the third eviction refused: the eviction changed the watch cache's budget in place)
                if (drained.exit() != 0) {
                    org.assertj.core.api.Assertions.fail("drain failed: %s%nbudget: %s%npods: %s", drained.err(),
                            kubectl.run("kubectl", "get", "pdb", "web", "-o", "yaml").out(),
                            kubectl.run("kubectl", "get", "pods", "-l", "app=web", "-o", "wide").out());
                }
                assertThat(drained.out()).contains("evicted").contains("node/" + node + " drained");
                assertThat(podsOn(kubectl, node)).isEmpty();
                assertThat(kubectl.ok("kubectl", "get", "node", node, "-o", "jsonpath={.spec.unschedulable}")).isEqualTo("true");
                await("the deployment is whole again on the other node", () -> kubectl.ok("kubectl", "get", "deployment", "web", "-o",
                        "jsonpath={.status.availableReplicas}").equals("4"));
            }
        }
    }

    private static String podsOn(Kubectl kubectl, String node) throws Exception {
        return kubectl.ok("kubectl", "get", "pods", "-l", "app=web", "--field-selector", "spec.nodeName=" + node, "-o",
                "jsonpath={.items[*].metadata.name}");
    }
}
