package dev.skiff.proxy.iptables;

import static dev.skiff.proxy.iptables.ChainNames.EXTERNAL_SERVICES;
import static dev.skiff.proxy.iptables.ChainNames.FORWARD;
import static dev.skiff.proxy.iptables.ChainNames.MARK_MASQ;
import static dev.skiff.proxy.iptables.ChainNames.NODE_PORTS;
import static dev.skiff.proxy.iptables.ChainNames.POSTROUTING;
import static dev.skiff.proxy.iptables.ChainNames.SERVICES;

import dev.skiff.proxy.Endpoint;
import dev.skiff.proxy.ServicePort;
import dev.skiff.proxy.Topology;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Writes one {@code iptables-restore} input for the filter and nat tables from the services' ports, as
 * upstream's iptables proxier does in syncProxyRules. The top-level chains (KUBE-SERVICES,
 * KUBE-NODEPORTS, KUBE-EXTERNAL-SERVICES, ...) are rewritten whole every time: one rule per service
 * address. A service's own chains (KUBE-SVC/SVL/EXT/SEP) are written only when the service is in
 * {@code changed} (all of them on a full sync); the others are left as the kernel holds them, which
 * {@code --noflush} allows. Chains in {@code existing} that no service needs any more are flushed and
 * deleted in the same transaction.
 *
 * <p>A pure function of its input, so it is unit tested on text; {@link Proxier} runs it.
 */
final class ProxyRules {
    /** The mark KUBE-MARK-MASQ sets and KUBE-POSTROUTING masquerades on (upstream's default --iptables-masquerade-bit 14). */
    static final String MASQ_MARK = "0x4000";

    /** A rule that sends a built-in chain's traffic into ours (upstream's iptablesJumpChains). */
    record Jump(String table, String chain, String rule) {
    }

    static final List<Jump> JUMPS = List.of(
            new Jump("filter", "INPUT", "-m conntrack --ctstate NEW -m comment --comment \"kubernetes externally-visible service portals\" -j " + EXTERNAL_SERVICES),
            new Jump("filter", "FORWARD", "-m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\" -j " + SERVICES),
            new Jump("filter", "FORWARD", "-m conntrack --ctstate NEW -m comment --comment \"kubernetes externally-visible service portals\" -j " + EXTERNAL_SERVICES),
            new Jump("filter", "FORWARD", "-m comment --comment \"kubernetes forwarding rules\" -j " + FORWARD),
            new Jump("filter", "OUTPUT", "-m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\" -j " + SERVICES),
            new Jump("nat", "OUTPUT", "-m comment --comment \"kubernetes service portals\" -j " + SERVICES),
            new Jump("nat", "PREROUTING", "-m comment --comment \"kubernetes service portals\" -j " + SERVICES),
            new Jump("nat", "POSTROUTING", "-m comment --comment \"kubernetes postrouting rules\" -j " + POSTROUTING));

    /**
     * @param data the iptables-restore input
     * @param active every per-service chain the rules use, written now or kept from before
     * @param written how many per-service chains {@code data} (re)writes
     * @param deleted how many stale chains {@code data} deletes
     */
    record Output(String data, Set<String> active, int written, int deleted) {
    }

    private final String clusterCidr;
    private final StringBuilder filterChains = new StringBuilder();
    private final StringBuilder filterRules = new StringBuilder();
    private final StringBuilder natChains = new StringBuilder();
    private final StringBuilder natRules = new StringBuilder();
    private final Set<String> active = new HashSet<>();
    private int written;

    private ProxyRules(String clusterCidr) {
        this.clusterCidr = clusterCidr;
    }

    /**
     * @param services each service's ports by {@code namespace/name}, iterated in order (pass a sorted map for stable output)
     * @param changed the services whose chains are rewritten; null for a full sync (all of them)
     * @param existing per-service chains the kernel may hold (from the last sync or iptables-save); the unused ones are deleted
     * @param jumps the jump rules from built-in chains to add (those missing from the kernel)
     * @param clusterCidr traffic to a cluster IP from outside it is masqueraded; null for none (upstream without a local detector)
     */
    static Output write(Map<String, List<ServicePort>> services, Set<String> changed, Set<String> existing, List<Jump> jumps, String clusterCidr) {
        var rules = new ProxyRules(clusterCidr);
        rules.writeFixed(jumps);
        for (var entry : services.entrySet()) {
            boolean rewrite = changed == null || changed.contains(entry.getKey());
            for (ServicePort port : entry.getValue()) {
                rules.writeServicePort(port, rewrite);
            }
        }
        // must stay last: node ports match on any local destination address but loopback ones, which
        // would need route_localnet (upstream's --iptables-localhost-nodeports=false)
        rules.natRules.append("-A ").append(SERVICES).append(" -m comment --comment \"kubernetes service nodeports; NOTE: this must be the last rule in this chain\" -m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -j ")
                .append(NODE_PORTS).append('\n');
        var stale = new TreeSet<String>();
        for (String chain : existing) {
            if (ChainNames.perService(chain) && !rules.active.contains(chain)) {
                stale.add(chain);
            }
        }
        for (String chain : stale) {
            rules.natChains.append(':').append(chain).append(" - [0:0]\n");
            rules.natRules.append("-X ").append(chain).append('\n');
        }
        String data = "*filter\n" + rules.filterChains + rules.filterRules + "COMMIT\n*nat\n" + rules.natChains + rules.natRules + "COMMIT\n";
        return new Output(data, Set.copyOf(rules.active), rules.written, stale.size());
    }

    private void writeFixed(List<Jump> jumps) {
        for (String chain : List.of(SERVICES, EXTERNAL_SERVICES, FORWARD)) {
            filterChains.append(':').append(chain).append(" - [0:0]\n");
        }
        for (String chain : List.of(SERVICES, NODE_PORTS, POSTROUTING, MARK_MASQ)) {
            natChains.append(':').append(chain).append(" - [0:0]\n");
        }
        for (Jump jump : jumps) {
            (jump.table().equals("nat") ? natRules : filterRules).append("-I ").append(jump.chain()).append(" 1 ").append(jump.rule()).append('\n');
        }
        filterRules.append("-A ").append(FORWARD).append(" -m comment --comment \"kubernetes forwarding rules\" -m mark --mark ")
                .append(MASQ_MARK).append('/').append(MASQ_MARK).append(" -j ACCEPT\n");
        filterRules.append("-A ").append(FORWARD).append(" -m comment --comment \"kubernetes forwarding conntrack rule\" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n");
        natRules.append("-A ").append(POSTROUTING).append(" -m mark ! --mark ").append(MASQ_MARK).append('/').append(MASQ_MARK).append(" -j RETURN\n");
        // clear the mark: a packet re-traversing the stack (e.g. through a tunnel) must not be masqueraded twice
        natRules.append("-A ").append(POSTROUTING).append(" -j MARK --xor-mark ").append(MASQ_MARK).append('\n');
        natRules.append("-A ").append(POSTROUTING).append(" -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE --random-fully\n");
        natRules.append("-A ").append(MARK_MASQ).append(" -j MARK --or-mark ").append(MASQ_MARK).append('\n');
    }

    private void writeServicePort(ServicePort port, boolean rewrite) {
        String name = port.name().toString();
        String proto = port.protocol();
        String match = " -m " + proto + " -p " + proto;
        Topology topology = Topology.categorize(port);
        boolean hasEndpoints = topology.hasAny();
        String clusterChain = ChainNames.clusterPolicy(port);
        String localChain = ChainNames.localPolicy(port);
        boolean usesClusterChain = !topology.cluster().isEmpty() && port.usesClusterEndpoints();
        boolean usesLocalChain = !topology.local().isEmpty() && port.usesLocalEndpoints();
        String internalChain = port.internalPolicyLocal() ? localChain : clusterChain;
        boolean hasInternalEndpoints = hasEndpoints && (!port.internalPolicyLocal() || !topology.local().isEmpty());
        String externalPolicyChain = port.externalPolicyLocal() ? localChain : clusterChain;
        boolean hasExternalEndpoints = hasEndpoints && (!port.externalPolicyLocal() || !topology.local().isEmpty());
        String externalChain = ChainNames.external(port);
        boolean usesExternalChain = hasEndpoints && port.externallyAccessible();

        String internalFilter = hasEndpoints ? "DROP" : "REJECT";
        String internalFilterComment = comment(name + (hasEndpoints ? " has no local endpoints" : " has no endpoints"));
        String externalFilter = internalFilter;
        String externalFilterComment = internalFilterComment;

        // the service's addresses, in the top-level chains (written every sync)
        String portMatch = match + " -d " + port.clusterIp() + " --dport " + port.port();
        if (hasInternalEndpoints) {
            rule(natRules, SERVICES, "-m comment --comment " + comment(name + " cluster IP") + portMatch + " -j " + internalChain);
        } else {
            rule(filterRules, SERVICES, "-m comment --comment " + internalFilterComment + portMatch + " -j " + internalFilter);
        }
        var externalAddresses = new java.util.LinkedHashMap<String, String>();
        port.externalIps().forEach(ip -> externalAddresses.put(ip, " external IP"));
        port.loadBalancerIps().forEach(ip -> externalAddresses.putIfAbsent(ip, " loadbalancer IP"));
        for (var address : externalAddresses.entrySet()) {
            String ipMatch = match + " -d " + address.getKey() + " --dport " + port.port();
            if (hasEndpoints) {
                rule(natRules, SERVICES, "-m comment --comment " + comment(name + address.getValue()) + ipMatch + " -j " + externalChain);
            }
            if (!hasExternalEndpoints) {
                rule(filterRules, EXTERNAL_SERVICES, "-m comment --comment " + externalFilterComment + ipMatch + " -j " + externalFilter);
            }
        }
        if (port.nodePort() != 0) {
            if (hasEndpoints) {
                rule(natRules, NODE_PORTS, "-m comment --comment " + comment(name) + match + " --dport " + port.nodePort() + " -j " + externalChain);
            }
            if (!hasExternalEndpoints) {
                rule(filterRules, EXTERNAL_SERVICES, "-m comment --comment " + externalFilterComment + " -m addrtype --dst-type LOCAL"
                        + match + " --dport " + port.nodePort() + " -j " + externalFilter);
            }
        }

        // the service's own chains: named as active always, written only when the service changed
        if (usesExternalChain) {
            active.add(externalChain);
            if (rewrite) {
                declare(externalChain);
                if (!port.externalPolicyLocal()) {
                    // endpoints may be on other nodes: the reply must come back through this one
                    rule(natRules, externalChain, "-m comment --comment " + comment("masquerade traffic for " + name + " external destinations") + " -j " + MARK_MASQ);
                } else {
                    // local endpoints keep the client's source; pods and this host itself get cluster treatment
                    if (usesClusterChain) {
                        if (clusterCidr != null) {
                            rule(natRules, externalChain, "-m comment --comment " + comment("pod traffic for " + name + " external destinations")
                                    + " -s " + clusterCidr + " -j " + clusterChain);
                        }
                        rule(natRules, externalChain, "-m comment --comment " + comment("masquerade LOCAL traffic for " + name + " external destinations")
                                + " -m addrtype --src-type LOCAL -j " + MARK_MASQ);
                        rule(natRules, externalChain, "-m comment --comment " + comment("route LOCAL traffic for " + name + " external destinations")
                                + " -m addrtype --src-type LOCAL -j " + clusterChain);
                    }
                }
                if (hasExternalEndpoints) {
                    rule(natRules, externalChain, "-j " + externalPolicyChain);
                }
            }
        }
        if (usesClusterChain) {
            writePolicyChain(port, clusterChain, topology.cluster(), rewrite, hasInternalEndpoints && internalChain.equals(clusterChain), portMatch);
        }
        if (usesLocalChain) {
            writePolicyChain(port, localChain, topology.local(), rewrite, hasInternalEndpoints && internalChain.equals(localChain), portMatch);
        }
        for (Endpoint endpoint : topology.allReachable()) {
            String chain = ChainNames.endpoint(port, endpoint);
            active.add(chain);
            if (rewrite) {
                declare(chain);
                // hairpin: an endpoint reaching itself through the service must see the reply come from the service
                rule(natRules, chain, "-m comment --comment " + comment(name) + " -s " + endpoint.ip() + " -j " + MARK_MASQ);
                rule(natRules, chain, "-m comment --comment " + comment(name) + (port.stickyMaxAgeSeconds() > 0 ? " -m recent --name " + chain + " --set" : "")
                        + match + " -j DNAT --to-destination " + endpoint.address());
            }
        }
    }

    /**
     * A KUBE-SVC or KUBE-SVL chain: masquerade for cluster-IP traffic from outside the cluster, then, with
     * ClientIP affinity, back to the endpoint the client used last within the timeout, else a random
     * endpoint with equal chances (rule i of n matches with probability 1/(n-i), the last always).
     */
    private void writePolicyChain(ServicePort port, String chain, List<Endpoint> endpoints, boolean rewrite, boolean internal, String portMatch) {
        active.add(chain);
        if (!rewrite) {
            return;
        }
        declare(chain);
        String name = port.name().toString();
        if (internal && clusterCidr != null) {
            rule(natRules, chain, "-m comment --comment " + comment(name + " cluster IP") + portMatch + " ! -s " + clusterCidr + " -j " + MARK_MASQ);
        }
        if (port.stickyMaxAgeSeconds() > 0) {
            for (Endpoint endpoint : endpoints) {
                String sep = ChainNames.endpoint(port, endpoint);
                rule(natRules, chain, "-m comment --comment " + comment(name + " -> " + endpoint.address()) + " -m recent --name " + sep
                        + " --rcheck --seconds " + port.stickyMaxAgeSeconds() + " --reap -j " + sep);
            }
        }
        int n = endpoints.size();
        for (int i = 0; i < n; i++) {
            Endpoint endpoint = endpoints.get(i);
            rule(natRules, chain, "-m comment --comment " + comment(name + " -> " + endpoint.address())
                    + (i < n - 1 ? " -m statistic --mode random --probability " + probability(n - i) : "")
                    + " -j " + ChainNames.endpoint(port, endpoint));
        }
    }

    private void declare(String chain) {
        natChains.append(':').append(chain).append(" - [0:0]\n");
        written++;
    }

    private static void rule(StringBuilder table, String chain, String rest) {
        table.append("-A ").append(chain).append(' ').append(rest).append('\n');
    }

    /** A comment argument, quoted when it holds spaces (as upstream writes them). */
    private static String comment(String text) {
        return text.indexOf(' ') < 0 ? text : '"' + text + '"';
    }

    private static final String[] PROBABILITIES = new String[64];

    /** 1/n with ten decimals (upstream's computeProbability). */
    static String probability(int n) {
        if (n < PROBABILITIES.length) {
            String cached = PROBABILITIES[n];
            if (cached == null) {
                cached = PROBABILITIES[n] = String.format(Locale.ROOT, "%.10f", 1.0 / n);
            }
            return cached;
        }
        return String.format(Locale.ROOT, "%.10f", 1.0 / n);
    }
}
