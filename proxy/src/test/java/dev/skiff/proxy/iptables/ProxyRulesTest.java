package dev.skiff.proxy.iptables;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.proxy.Endpoint;
import dev.skiff.proxy.ServicePort;
import dev.skiff.proxy.ServicePortName;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ProxyRulesTest {
    private static final String CIDR = "10.0.0.0/24";

    /** A builder for one service port, ClusterIP with TCP by default. */
    static final class Port {
        String namespace = "ns1";
        String name = "svc1";
        String portName = "p80";
        String clusterIp = "10.20.30.41";
        int port = 80;
        String protocol = "tcp";
        int nodePort;
        List<String> externalIps = List.of();
        int sticky;
        boolean externalLocal;
        boolean internalLocal;
        final List<Endpoint> endpoints = new ArrayList<>();

        Port endpoint(String ip, int targetPort) {
            endpoints.add(new Endpoint(ip, targetPort, true, true, false, false));
            return this;
        }

        Port endpoint(String ip, int targetPort, boolean ready, boolean serving, boolean terminating, boolean local) {
            endpoints.add(new Endpoint(ip, targetPort, ready, serving, terminating, local));
            return this;
        }

        ServicePort build() {
            return new ServicePort(new ServicePortName(namespace, name, portName), clusterIp, port, protocol, nodePort, externalIps, List.of(),
                    sticky, externalLocal, internalLocal, List.copyOf(endpoints));
        }
    }

    private static ProxyRules.Output full(ServicePort... ports) {
        var services = new TreeMap<String, List<ServicePort>>();
        for (ServicePort p : ports) {
            services.computeIfAbsent(p.name().namespace() + "/" + p.name().name(), k -> new ArrayList<>()).add(p);
        }
        return ProxyRules.write(services, null, Set.of(), ProxyRules.JUMPS, CIDR);
    }

    private static List<String> lines(ProxyRules.Output output) {
        return output.data().lines().toList();
    }

    @Test
    void namesChainsAsUpstreamDoes() {
        ServicePort port = new Port().endpoint("10.180.0.1", 80).build();
        assertThat(ChainNames.clusterPolicy(port)).isEqualTo("KUBE-SVC-XPGD46QRK7WJZT7O");
        assertThat(ChainNames.endpoint(port, port.endpoints().get(0))).isEqualTo("KUBE-SEP-SXIVWICOYRO3J4NJ");
    }

    @Test
    void clusterIpServiceWithOneEndpointMatchesUpstreamsRules() {
        var out = full(new Port().endpoint("10.180.0.1", 80).build());
        assertThat(lines(out)).containsSubsequence(
                "*nat",
                ":KUBE-SERVICES - [0:0]",
                ":KUBE-NODEPORTS - [0:0]",
                ":KUBE-POSTROUTING - [0:0]",
                ":KUBE-MARK-MASQ - [0:0]",
                ":KUBE-SVC-XPGD46QRK7WJZT7O - [0:0]",
                ":KUBE-SEP-SXIVWICOYRO3J4NJ - [0:0]",
                "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN",
                "-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000",
                "-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE --random-fully",
                "-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000",
                "-A KUBE-SERVICES -m comment --comment \"ns1/svc1:p80 cluster IP\" -m tcp -p tcp -d 10.20.30.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O",
                "-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment \"ns1/svc1:p80 cluster IP\" -m tcp -p tcp -d 10.20.30.41 --dport 80 ! -s 10.0.0.0/24 -j KUBE-MARK-MASQ",
                "-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment \"ns1/svc1:p80 -> 10.180.0.1:80\" -j KUBE-SEP-SXIVWICOYRO3J4NJ",
                "-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -s 10.180.0.1 -j KUBE-MARK-MASQ",
                "-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.1:80",
                "-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports; NOTE: this must be the last rule in this chain\" -m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -j KUBE-NODEPORTS",
                "COMMIT");
        assertThat(lines(out)).contains("-I PREROUTING 1 -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES",
                "-I OUTPUT 1 -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES",
                "-I POSTROUTING 1 -m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING");
        assertThat(lines(out).getLast()).isEqualTo("COMMIT");
    }

    @Test
    void spreadsRandomlyOverReadyEndpointsOnly() {
        var port = new Port().endpoint("10.0.0.1", 8080).endpoint("10.0.0.2", 8080).endpoint("10.0.0.3", 8080)
                .endpoint("10.0.0.4", 8080, false, false, false, false) // not ready: left out
                .build();
        String svc = ChainNames.clusterPolicy(port);
        var rules = lines(full(port)).stream().filter(l -> l.startsWith("-A " + svc + " ") && l.contains("KUBE-SEP-")).toList();
        assertThat(rules).containsExactly(
                "-A " + svc + " -m comment --comment \"ns1/svc1:p80 -> 10.0.0.1:8080\" -m statistic --mode random --probability 0.3333333333 -j "
                        + ChainNames.endpoint(port, port.endpoints().get(0)),
                "-A " + svc + " -m comment --comment \"ns1/svc1:p80 -> 10.0.0.2:8080\" -m statistic --mode random --probability 0.5000000000 -j "
                        + ChainNames.endpoint(port, port.endpoints().get(1)),
                "-A " + svc + " -m comment --comment \"ns1/svc1:p80 -> 10.0.0.3:8080\" -j " + ChainNames.endpoint(port, port.endpoints().get(2)));
        assertThat(full(port).data()).doesNotContain("10.0.0.4");
    }

    @Test
    void fallsBackToServingTerminatingEndpointsWhenNoneIsReady() {
        var port = new Port().endpoint("10.0.0.1", 80, false, true, true, false)
                .endpoint("10.0.0.2", 80, false, false, true, false).build();
        String data = full(port).data();
        assertThat(data).contains("--to-destination 10.0.0.1:80").doesNotContain("10.0.0.2");
        var withReady = new Port().endpoint("10.0.0.1", 80, false, true, true, false).endpoint("10.0.0.3", 80).build();
        assertThat(full(withReady).data()).contains("--to-destination 10.0.0.3:80").doesNotContain("10.0.0.1:80");
    }

    @Test
    void clientIpAffinityChecksRecentListFirstAndSetsItOnDnat() {
        var p = new Port().endpoint("10.0.0.1", 80).endpoint("10.0.0.2", 80);
        p.sticky = 600;
        var port = p.build();
        String svc = ChainNames.clusterPolicy(port);
        String sep1 = ChainNames.endpoint(port, port.endpoints().get(0));
        String sep2 = ChainNames.endpoint(port, port.endpoints().get(1));
        assertThat(lines(full(port))).containsSubsequence(
                "-A " + svc + " -m comment --comment \"ns1/svc1:p80 -> 10.0.0.1:80\" -m recent --name " + sep1 + " --rcheck --seconds 600 --reap -j " + sep1,
                "-A " + svc + " -m comment --comment \"ns1/svc1:p80 -> 10.0.0.2:80\" -m recent --name " + sep2 + " --rcheck --seconds 600 --reap -j " + sep2,
                "-A " + svc + " -m comment --comment \"ns1/svc1:p80 -> 10.0.0.1:80\" -m statistic --mode random --probability 0.5000000000 -j " + sep1)
                .contains("-A " + sep1 + " -m comment --comment ns1/svc1:p80 -m recent --name " + sep1 + " --set -m tcp -p tcp -j DNAT --to-destination 10.0.0.1:80");
    }

    @Test
    void nodePortAndExternalIpGoThroughTheExternalChainWhichMasquerades() {
        var p = new Port().endpoint("10.0.0.1", 80);
        p.nodePort = 30080;
        p.externalIps = List.of("192.0.2.7");
        var port = p.build();
        String ext = ChainNames.external(port);
        String svc = ChainNames.clusterPolicy(port);
        assertThat(ext).startsWith("KUBE-EXT-").endsWith(svc.substring("KUBE-SVC-".length()));
        assertThat(lines(full(port))).contains(
                "-A KUBE-NODEPORTS -m comment --comment ns1/svc1:p80 -m tcp -p tcp --dport 30080 -j " + ext,
                "-A KUBE-SERVICES -m comment --comment \"ns1/svc1:p80 external IP\" -m tcp -p tcp -d 192.0.2.7 --dport 80 -j " + ext,
                "-A " + ext + " -m comment --comment \"masquerade traffic for ns1/svc1:p80 external destinations\" -j KUBE-MARK-MASQ",
                "-A " + ext + " -j " + svc);
    }

    @Test
    void externalTrafficPolicyLocalUsesOnlyThisNodesEndpointsAndKeepsTheSource() {
        var p = new Port().endpoint("10.0.0.1", 80, true, true, false, true).endpoint("10.0.0.2", 80);
        p.nodePort = 30080;
        p.externalLocal = true;
        var port = p.build();
        String ext = ChainNames.external(port);
        String svc = ChainNames.clusterPolicy(port);
        String svl = ChainNames.localPolicy(port);
        var lines = lines(full(port));
        assertThat(lines).containsSubsequence(
                "-A " + ext + " -m comment --comment \"pod traffic for ns1/svc1:p80 external destinations\" -s 10.0.0.0/24 -j " + svc,
                "-A " + ext + " -m comment --comment \"masquerade LOCAL traffic for ns1/svc1:p80 external destinations\" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ",
                "-A " + ext + " -m comment --comment \"route LOCAL traffic for ns1/svc1:p80 external destinations\" -m addrtype --src-type LOCAL -j " + svc,
                "-A " + ext + " -j " + svl);
        var svlRules = lines.stream().filter(l -> l.startsWith("-A " + svl + " ")).toList();
        assertThat(svlRules).containsExactly("-A " + svl + " -m comment --comment \"ns1/svc1:p80 -> 10.0.0.1:80\" -j " + ChainNames.endpoint(port, port.endpoints().get(0)));
        // cluster IP traffic still reaches both
        assertThat(lines.stream().filter(l -> l.startsWith("-A " + svc + " ") && l.contains("KUBE-SEP-"))).hasSize(2);
        assertThat(lines.stream().filter(l -> l.contains("DROP") || l.contains("REJECT"))).isEmpty();
    }

    @Test
    void externalTrafficPolicyLocalWithoutLocalEndpointsDropsExternalTraffic() {
        var p = new Port().endpoint("10.0.0.2", 80);
        p.nodePort = 30080;
        p.externalLocal = true;
        var port = p.build();
        assertThat(lines(full(port))).contains(
                "-A KUBE-EXTERNAL-SERVICES -m comment --comment \"ns1/svc1:p80 has no local endpoints\" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30080 -j DROP",
                "-A KUBE-SERVICES -m comment --comment \"ns1/svc1:p80 cluster IP\" -m tcp -p tcp -d 10.20.30.41 --dport 80 -j " + ChainNames.clusterPolicy(port));
        assertThat(full(port).data()).doesNotContain(":" + ChainNames.localPolicy(port));
    }

    @Test
    void internalTrafficPolicyLocalSendsClusterIpTrafficToLocalEndpointsOrDropsIt() {
        var p = new Port().endpoint("10.0.0.1", 80, true, true, false, true).endpoint("10.0.0.2", 80);
        p.internalLocal = true;
        var port = p.build();
        String svl = ChainNames.localPolicy(port);
        var lines = lines(full(port));
        assertThat(lines).contains("-A KUBE-SERVICES -m comment --comment \"ns1/svc1:p80 cluster IP\" -m tcp -p tcp -d 10.20.30.41 --dport 80 -j " + svl,
                "-A " + svl + " -m comment --comment \"ns1/svc1:p80 -> 10.0.0.1:80\" -j " + ChainNames.endpoint(port, port.endpoints().get(0)));
        assertThat(String.join("\n", lines)).doesNotContain("10.0.0.2").doesNotContain(ChainNames.clusterPolicy(port));

        var remote = new Port().endpoint("10.0.0.2", 80);
        remote.internalLocal = true;
        assertThat(lines(full(remote.build()))).contains(
                "-A KUBE-SERVICES -m comment --comment \"ns1/svc1:p80 has no local endpoints\" -m tcp -p tcp -d 10.20.30.41 --dport 80 -j DROP");
    }

    @Test
    void serviceWithoutEndpointsIsRejectedOnEveryAddress() {
        var p = new Port();
        p.nodePort = 30080;
        p.externalIps = List.of("192.0.2.7");
        var out = full(p.build());
        assertThat(lines(out)).containsSubsequence("*filter",
                "-A KUBE-SERVICES -m comment --comment \"ns1/svc1:p80 has no endpoints\" -m tcp -p tcp -d 10.20.30.41 --dport 80 -j REJECT",
                "-A KUBE-EXTERNAL-SERVICES -m comment --comment \"ns1/svc1:p80 has no endpoints\" -m tcp -p tcp -d 192.0.2.7 --dport 80 -j REJECT",
                "-A KUBE-EXTERNAL-SERVICES -m comment --comment \"ns1/svc1:p80 has no endpoints\" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30080 -j REJECT",
                "COMMIT", "*nat");
        assertThat(out.data()).doesNotContain("KUBE-SVC-").doesNotContain("KUBE-EXT-").doesNotContain("KUBE-NODEPORTS -m");
        assertThat(out.active()).isEmpty();
    }

    @Test
    void partialSyncRewritesOnlyTheChangedServicesChainsAndDeletesStaleOnes() {
        var a = new Port().endpoint("10.0.0.1", 80).endpoint("10.0.0.2", 80);
        a.name = "a";
        var b = new Port().endpoint("10.0.0.5", 80);
        b.name = "b";
        b.clusterIp = "10.20.30.42";
        ServicePort portA = a.build();
        ServicePort portB = b.build();
        var first = full(portA, portB);
        assertThat(first.written()).isEqualTo(5); // two SVC, three SEP

        // a loses an endpoint; only a is rewritten
        var a2 = new Port().endpoint("10.0.0.1", 80);
        a2.name = "a";
        ServicePort portA2 = a2.build();
        var services = new TreeMap<String, List<ServicePort>>(Map.of("ns1/a", List.of(portA2), "ns1/b", List.of(portB)));
        var partial = ProxyRules.write(services, Set.of("ns1/a"), first.active(), List.of(), CIDR);
        String gone = ChainNames.endpoint(portA, portA.endpoints().get(1));
        var lines = lines(partial);
        assertThat(lines).contains(":" + ChainNames.clusterPolicy(portA2) + " - [0:0]", ":" + gone + " - [0:0]", "-X " + gone,
                // b's address is still captured, into its chain which the kernel keeps
                "-A KUBE-SERVICES -m comment --comment \"ns1/b:p80 cluster IP\" -m tcp -p tcp -d 10.20.30.42 --dport 80 -j " + ChainNames.clusterPolicy(portB));
        assertThat(partial.data()).doesNotContain(":" + ChainNames.clusterPolicy(portB)).doesNotContain("10.0.0.5").doesNotContain("-I ");
        assertThat(partial.written()).isEqualTo(2);
        assertThat(partial.deleted()).isEqualTo(1);
        assertThat(partial.active()).contains(ChainNames.clusterPolicy(portB), ChainNames.endpoint(portB, portB.endpoints().get(0)))
                .doesNotContain(gone);

        // a deleted service's chains are all deleted
        var deleted = ProxyRules.write(new TreeMap<>(Map.of("ns1/b", List.of(portB))), Set.of("ns1/a"), partial.active(), List.of(), CIDR);
        assertThat(lines(deleted)).contains("-X " + ChainNames.clusterPolicy(portA2), "-X " + ChainNames.endpoint(portA2, portA2.endpoints().get(0)));
        assertThat(deleted.written()).isZero();
    }

    @Test
    void udpPortsUseTheUdpMatch() {
        var p = new Port().endpoint("10.0.0.1", 53);
        p.protocol = "udp";
        p.portName = "dns";
        p.port = 53;
        assertThat(full(p.build()).data()).contains("-m comment --comment \"ns1/svc1:dns cluster IP\" -m udp -p udp -d 10.20.30.41 --dport 53",
                "-m udp -p udp -j DNAT --to-destination 10.0.0.1:53");
    }
}
