package dev.skiff.proxy;

import static dev.skiff.proxy.Fixtures.SERVICE_IP;
import static dev.skiff.proxy.Fixtures.SERVICE_PORT;
import static dev.skiff.proxy.TestNetwork.backendIp;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.apiserver.controlplane.LocalControlPlane;
import dev.skiff.client.rest.RestClients;
import dev.skiff.proxy.Fixtures.Backend;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole proxy against a real API server: informers -> sync loop -> iptables-restore into a test
 * network namespace; changes made through the API reach the kernel, and closing removes every rule.
 */
@Tag("netns")
class ProxyServerTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void programsServicesFromTheApiAndRemovesItsRulesOnClose() throws Exception {
        try (var net = TestNetwork.create(2);
             var controlPlane = LocalControlPlane.start(dir);
             KubernetesClient client = RestClients.fromKubeconfig(controlPlane.kubeconfig())) {
            Service web = client.services().resource(Fixtures.web().build()).create();
            client.discovery().v1().endpointSlices().resource(Fixtures.slice(web,
                    Backend.ready(backendIp(1), "node-a"), Backend.ready(backendIp(2), "node-b"))).create();
            var config = new ProxyServer.Config("node-a", TestNetwork.CLUSTER_CIDR, Duration.ofMillis(100), Duration.ofSeconds(30));
            try (var proxy = ProxyServer.start(client, config, net.iptables())) {
                var seen = new HashSet<String>();
                TestNetwork.await("both backends answer on the cluster IP", TIMEOUT, () -> {
                    seen.add(net.get(net.node, SERVICE_IP, SERVICE_PORT).split(" ")[0]);
                    return seen.containsAll(java.util.List.of("b1", "b2"));
                });
                assertThat(net.get(net.client, TestNetwork.NODE_IP, Fixtures.NODE_PORT)).matches("b[12] .*");

                // b2 stops being ready: it leaves rotation once the proxy synced
                client.discovery().v1().endpointSlices().resource(Fixtures.slice(web, Backend.ready(backendIp(1), "node-a"),
                        new Backend(backendIp(2), "node-b", false))).update();
                TestNetwork.await("b2's endpoint chain is gone", TIMEOUT, () -> !save(net).contains(backendIp(2)));
                assertThat(net.backendsAnswering(net.node, SERVICE_IP, SERVICE_PORT, 10)).containsOnly("b1");
                assertThat(proxy.lastResult().full()).isFalse();

                // the service goes: so do its rules
                client.services().resource(web).delete();
                TestNetwork.await("the service's rules are gone", TIMEOUT, () -> !save(net).contains("default/web"));
            }
            assertThat(net.iptablesSave()).doesNotContain("KUBE-");
        }
    }

    private static String save(TestNetwork net) {
        try {
            return net.iptablesSave();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
