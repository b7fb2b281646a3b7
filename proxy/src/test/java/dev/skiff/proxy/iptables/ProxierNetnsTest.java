package dev.skiff.proxy.iptables;

import static dev.skiff.proxy.Fixtures.NODE_PORT;
import static dev.skiff.proxy.Fixtures.SERVICE_IP;
import static dev.skiff.proxy.Fixtures.SERVICE_PORT;
import static dev.skiff.proxy.TestNetwork.backendIp;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.proxy.Fixtures;
import dev.skiff.proxy.Fixtures.Backend;
import dev.skiff.proxy.TestNetwork;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The proxier's rules in the real kernel: iptables-restore (nf_tables backend) into a node network
 * namespace, real TCP connections from there and from a client namespace outside the cluster to
 * busybox httpd backends in their own namespaces ({@link TestNetwork}). Needs root.
 */
@Tag("netns")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProxierNetnsTest {
    private static final String NODE = "node-a";
    private TestNetwork net;
    private Proxier proxier;

    @BeforeAll
    void createNetwork() throws Exception {
        net = TestNetwork.create(3);
    }

    @AfterAll
    void deleteNetwork() throws Exception {
        if (net != null) {
            net.close();
        }
    }

    @BeforeEach
    void newProxier() {
        proxier = new Proxier(net.iptables(), new Proxier.Config(TestNetwork.CLUSTER_CIDR, Duration.ofHours(1)), Clock.systemUTC());
    }

    @AfterEach
    void cleanup() throws Exception {
        proxier.cleanup();
    }

    private Proxier.SyncResult sync(Service service, EndpointSlice slice) throws Exception {
        var services = new HashMap<Service, EndpointSlice>();
        services.put(service, slice);
        return proxier.sync(Fixtures.state(NODE, services));
    }

    private static EndpointSlice threeBackends(Service web) {
        return Fixtures.slice(web, Backend.ready(backendIp(1), NODE), Backend.ready(backendIp(2), "node-b"), Backend.ready(backendIp(3), "node-c"));
    }

    @Test
    void clusterIpSpreadsConnectionsOverAllReadyBackends() throws Exception {
        Service web = Fixtures.web().build();
        var result = sync(web, threeBackends(web));
        assertThat(result.full()).isTrue();
        var answers = net.backendsAnswering(net.node, SERVICE_IP, SERVICE_PORT, 30);
        assertThat(answers).containsOnly("b1", "b2", "b3").contains("b1", "b2", "b3");
    }

    @Test
    void nodePortAnswersOnEveryNodeAddressAndMasqueradesOutsideClients() throws Exception {
        Service web = Fixtures.web().build();
        sync(web, threeBackends(web));
        // from outside the cluster, to the node's address facing the client
        String answer = net.get(net.client, TestNetwork.NODE_IP, NODE_PORT);
        assertThat(answer).matches("b[123] 10\\.99\\.[123]\\.1"); // the source is the node's own address on the backend's link
        // to another of the node's addresses, and from the node itself
        assertThat(net.get(net.client, "10.99.1.1", NODE_PORT)).matches("b[123] .*");
        assertThat(net.get(net.node, TestNetwork.NODE_IP, NODE_PORT)).matches("b[123] .*");
        // traffic a cluster IP receives from outside the cluster CIDR is masqueraded too
        assertThat(net.get(net.node, SERVICE_IP, SERVICE_PORT)).matches("b[123] 10\\.99\\.[123]\\.1");
    }

    @Test
    void clientIpAffinitySticksToOneBackend() throws Exception {
        Service web = Fixtures.web().editSpec().withSessionAffinity("ClientIP").withNewSessionAffinityConfig().withNewClientIP()
                .withTimeoutSeconds(600).endClientIP().endSessionAffinityConfig().endSpec().build();
        sync(web, threeBackends(web));
        var answers = net.backendsAnswering(net.node, SERVICE_IP, SERVICE_PORT, 15);
        assertThat(answers.getFirst()).matches("b[123]");
        assertThat(answers).containsOnly(answers.getFirst());
        // and through the node port from the client too
        var fromClient = net.backendsAnswering(net.client, TestNetwork.NODE_IP, NODE_PORT, 10);
        assertThat(fromClient).containsOnly(fromClient.getFirst());
    }

    @Test
    void removedEndpointLeavesRotationInAPartialSync() throws Exception {
        Service web = Fixtures.web().build();
        sync(web, threeBackends(web));
        Service other = Fixtures.web().editMetadata().withName("other").endMetadata().editSpec().withClusterIP("10.43.99.11")
                .withClusterIPs("10.43.99.11").editFirstPort().withNodePort(30081).endPort().endSpec().build();
        var services = new HashMap<Service, EndpointSlice>();
        services.put(web, Fixtures.slice(web, Backend.ready(backendIp(1), NODE), Backend.ready(backendIp(2), "node-b")));
        services.put(other, Fixtures.slice(other, Backend.ready(backendIp(3), "node-c")));
        var second = proxier.sync(Fixtures.state(NODE, services));
        assertThat(second.full()).isFalse();
        assertThat(second.changedServices()).isEqualTo(2); // web changed, other is new

        var answers = net.backendsAnswering(net.node, SERVICE_IP, SERVICE_PORT, 30);
        assertThat(answers).containsOnly("b1", "b2").contains("b1", "b2");
        assertThat(net.get(net.node, "10.43.99.11", SERVICE_PORT)).startsWith("b3 ");

        // b2 turns not ready: only other's chains stay untouched, web's are rewritten
        services.put(web, Fixtures.slice(web, Backend.ready(backendIp(1), NODE), new Backend(backendIp(2), "node-b", false)));
        var third = proxier.sync(Fixtures.state(NODE, services));
        assertThat(third.changedServices()).isEqualTo(1);
        assertThat(third.chainsDeleted()).isEqualTo(1); // b2's endpoint chain
        assertThat(net.backendsAnswering(net.node, SERVICE_IP, SERVICE_PORT, 10)).containsOnly("b1");
        assertThat(net.get(net.node, "10.43.99.11", SERVICE_PORT)).startsWith("b3 ");
    }

    @Test
    void serviceWithoutEndpointsRefusesConnections() throws Exception {
        Service web = Fixtures.web().build();
        sync(web, Fixtures.slice(web));
        assertThat(net.get(net.node, SERVICE_IP, SERVICE_PORT)).startsWith("error").containsIgnoringCase("refused");
        assertThat(net.get(net.client, TestNetwork.NODE_IP, NODE_PORT)).startsWith("error").containsIgnoringCase("refused");
    }

    @Test
    void backendReachesItselfThroughItsServiceByHairpinMasquerade() throws Exception {
        Service web = Fixtures.web().build();
        sync(web, Fixtures.slice(web, Backend.ready(backendIp(1), NODE)));
        // the backend sees the connection come from the node, so its reply goes back through the node's DNAT
        assertThat(net.get(net.backend(1), SERVICE_IP, SERVICE_PORT)).isEqualTo("b1 10.99.1.1");
    }

    @Test
    void podTrafficToAClusterIpKeepsItsSource() throws Exception {
        Service web = Fixtures.web().build();
        sync(web, Fixtures.slice(web, Backend.ready(backendIp(2), "node-b")));
        assertThat(net.get(net.backend(1), SERVICE_IP, SERVICE_PORT)).isEqualTo("b2 " + backendIp(1));
    }

    @Test
    void externalTrafficPolicyLocalUsesThisNodesBackendsAndKeepsTheClientsAddress() throws Exception {
        Service web = Fixtures.web().editSpec().withExternalTrafficPolicy("Local").endSpec().build();
        sync(web, threeBackends(web)); // only b1 runs on this node
        var answers = net.backendsAnswering(net.client, TestNetwork.NODE_IP, NODE_PORT, 10);
        assertThat(answers).containsOnly("b1");
        assertThat(net.get(net.client, TestNetwork.NODE_IP, NODE_PORT)).isEqualTo("b1 " + TestNetwork.CLIENT_IP);
        // the cluster IP still reaches every backend
        assertThat(net.backendsAnswering(net.node, SERVICE_IP, SERVICE_PORT, 30)).contains("b1", "b2", "b3");
    }

    @Test
    void internalTrafficPolicyLocalWithoutLocalBackendsDropsClusterIpTraffic() throws Exception {
        Service web = Fixtures.web().editSpec().withInternalTrafficPolicy("Local").endSpec().build();
        sync(web, Fixtures.slice(web, Backend.ready(backendIp(1), NODE), Backend.ready(backendIp(2), "node-b")));
        assertThat(net.backendsAnswering(net.node, SERVICE_IP, SERVICE_PORT, 10)).containsOnly("b1");
        sync(web, Fixtures.slice(web, Backend.ready(backendIp(2), "node-b")));
        assertThat(net.get(net.node, SERVICE_IP, SERVICE_PORT)).startsWith("error"); // dropped: wget times out
    }

    @Test
    void headlessServicesGetNoRules() throws Exception {
        Service headless = Fixtures.web().editSpec().withType("ClusterIP").withClusterIP("None").withClusterIPs("None")
                .editFirstPort().withNodePort(null).endPort().endSpec().build();
        sync(headless, threeBackends(headless));
        assertThat(net.iptablesSave()).doesNotContain("KUBE-SVC-").doesNotContain("default/web");
    }

    @Test
    void aRestartedProxyTakesOverTheRulesWithoutDuplicatingJumpsOrLeavingStaleChains() throws Exception {
        Service web = Fixtures.web().build();
        sync(web, threeBackends(web));
        Service other = Fixtures.web().editMetadata().withName("other").endMetadata().editSpec().withClusterIP("10.43.99.11")
                .withClusterIPs("10.43.99.11").editFirstPort().withNodePort(30081).endPort().endSpec().build();
        var restarted = new Proxier(net.iptables(), new Proxier.Config(TestNetwork.CLUSTER_CIDR, Duration.ofHours(1)), Clock.systemUTC());
        var services = new HashMap<Service, EndpointSlice>();
        services.put(other, Fixtures.slice(other, Backend.ready(backendIp(3), "node-c")));
        var result = restarted.sync(Fixtures.state(NODE, services)); // web is gone meanwhile
        assertThat(result.full()).isTrue();
        assertThat(result.chainsDeleted()).isEqualTo(5); // web's KUBE-EXT, KUBE-SVC and three KUBE-SEP, found by iptables-save
        String saved = net.iptablesSave();
        assertThat(saved.lines().filter(l -> l.startsWith("-A PREROUTING ") && l.endsWith("-j KUBE-SERVICES"))).hasSize(1);
        assertThat(saved.lines().filter(l -> l.startsWith("-A INPUT ") && l.endsWith("-j KUBE-EXTERNAL-SERVICES"))).hasSize(1);
        assertThat(saved).doesNotContain("default/web");
        assertThat(net.get(net.node, "10.43.99.11", SERVICE_PORT)).startsWith("b3 ");
    }

    @Test
    void cleanupRemovesEveryChainAndJumpAndLeavesOtherRules() throws Exception {
        TestNetwork.sh("ip netns exec " + net.node + " iptables -t nat -A POSTROUTING -s 10.99.0.0/16 -m comment --comment not-ours -j RETURN");
        try {
            Service web = Fixtures.web().editSpec().withSessionAffinity("ClientIP").withExternalTrafficPolicy("Local").endSpec().build();
            sync(web, threeBackends(web));
            assertThat(net.iptablesSave()).contains("KUBE-SERVICES", "KUBE-SEP-", "KUBE-EXT-", "KUBE-SVL-");
            proxier.cleanup();
            String after = net.iptablesSave();
            assertThat(after).doesNotContain("KUBE-").contains("not-ours");
            proxier.cleanup(); // nothing left: a no-op
            // a fresh full sync after cleanup re-adds the jumps
            var again = sync(web, threeBackends(web));
            assertThat(again.full()).isTrue();
            assertThat(net.get(net.client, TestNetwork.NODE_IP, NODE_PORT)).startsWith("b1 ");
        } finally {
            TestNetwork.sh("ip netns exec " + net.node + " iptables -t nat -D POSTROUTING -s 10.99.0.0/16 -m comment --comment not-ours -j RETURN");
        }
    }
}
