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
    private static final ProxyServer.Config CONFIG = new ProxyServer.Config("node-a", TestNetwork.CLUSTER_CIDR, Duration.ofMillis(100),
            Duration.ofSeconds(30));

    @TempDir
    Path dir;

    @Test
    void programsServicesFromTheApiAndRemovesItsRulesOnClose() throws Exception {
        try (var net = TestNetwork.create(2);
             var controlPlane = LocalControlPlane.start(dir);
             KubernetesClient client = RestClients.fromKubeconfig(controlPlane.kubeconfig())) {
            Service web = webOnTwoBackends(client);
            try (var proxy = ProxyServer.start(client, CONFIG, net.iptables())) {
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

    @Test
    void aStoppedProxyLeavesItsRulesAndTheNextOneTakesThemOverInPlace() throws Exception {
        try (var net = TestNetwork.create(2);
             var controlPlane = LocalControlPlane.start(dir);
             KubernetesClient client = RestClients.fromKubeconfig(controlPlane.kubeconfig())) {
            webOnTwoBackends(client);
            var first = ProxyServer.start(client, CONFIG, net.iptables());
            TestNetwork.await("the first proxy synced", TIMEOUT, () -> first.lastResult() != null);
            java.util.List<String> programmed = rules(net);
            first.stop();
            first.stop(); // a second stop is a no-op

            assertThat(rules(net)).as("the rules stay as the proxy left them").isEqualTo(programmed);
            assertThat(net.backendsAnswering(net.node, SERVICE_IP, SERVICE_PORT, 20)).as("the cluster IP answers with no proxy running")
                    .contains("b1", "b2");
            assertThat(net.get(net.client, TestNetwork.NODE_IP, Fixtures.NODE_PORT)).matches("b[12] .*");

            try (var second = ProxyServer.start(client, CONFIG, net.iptables())) {
                TestNetwork.await("the second proxy synced", TIMEOUT, () -> second.lastResult() != null);
                assertThat(second.lastResult().full()).as("a new proxy's first sync is a full one").isTrue();
                assertThat(rules(net)).as("rewritten in place: the same rules, none twice").isEqualTo(programmed).doesNotHaveDuplicates();
                assertThat(net.backendsAnswering(net.node, SERVICE_IP, SERVICE_PORT, 20)).contains("b1", "b2");
            }
            assertThat(net.iptablesSave()).as("closing removes them").doesNotContain("KUBE-");
        }
    }

    /** Service default/web through the API, with backends b1 (on node-a) and b2 (on node-b) ready. */
    private static Service webOnTwoBackends(KubernetesClient client) {
        Service web = client.services().resource(Fixtures.web().build()).create();
        client.discovery().v1().endpointSlices().resource(Fixtures.slice(web,
                Backend.ready(backendIp(1), "node-a"), Backend.ready(backendIp(2), "node-b"))).create();
        return web;
    }

    /** The node namespace's rules (iptables-save without counters and comments), in order. */
    private static java.util.List<String> rules(TestNetwork net) {
        return save(net).lines().filter(l -> l.startsWith("-A ")).toList();
    }

    private static String save(TestNetwork net) {
        try {
            return net.iptablesSave();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
