package dev.skiff.agent.flannel;

import dev.skiff.proxy.iptables.IptablesRunner;
import java.io.IOException;

/**
 * flannel's masquerade rules (its FLANNEL-POSTRTG chain, `--ip-masq`): traffic from pods to
 * anything outside the cluster CIDR leaves with the node's address, so hosts that have no route to
 * the pod network can answer; pod-to-pod traffic inside the cluster CIDR keeps its source (multicast
 * too). Applied with one {@code iptables-restore --noflush} of our chain and its jump from nat
 * POSTROUTING; {@link #close} removes both. An agent that stops leaves them (as flanneld does), and the
 * next start rewrites the chain in place without a second jump; {@link #remove} is skiff killall's.
 */
public final class Masquerade implements AutoCloseable {
    static final String CHAIN = "FLANNEL-POSTRTG";
    private static final String JUMP = "-A POSTROUTING -m comment --comment \"flanneld masq\" -j " + CHAIN;

    private final IptablesRunner iptables;

    private Masquerade(IptablesRunner iptables) {
        this.iptables = iptables;
    }

    /** Installs the rules for pods of {@code clusterCidr}; a rerun (after a crash) replaces them. */
    public static Masquerade start(IptablesRunner iptables, String clusterCidr) throws IOException, InterruptedException {
        boolean jumped = iptables.save("nat").lines().anyMatch(JUMP::equals);
        iptables.restore(lines(
                "*nat",
                ":" + CHAIN + " - [0:0]",
                "-A " + CHAIN + " -s " + clusterCidr + " -d " + clusterCidr + " -m comment --comment \"flanneld masq\" -j RETURN",
                "-A " + CHAIN + " -s " + clusterCidr + " ! -d 224.0.0.0/4 -m comment --comment \"flanneld masq\" -j MASQUERADE --random-fully",
                jumped ? "" : JUMP,
                "COMMIT"));
        return new Masquerade(iptables);
    }

    /** Removes the jump and the chain. */
    @Override
    public void close() throws IOException, InterruptedException {
        remove(iptables);
    }

    /** Removes the jump and the chain a running or stopped agent installed; nothing when there are none. */
    public static void remove(IptablesRunner iptables) throws IOException, InterruptedException {
        boolean jumped = iptables.save("nat").lines().anyMatch(JUMP::equals);
        iptables.restore(lines(
                "*nat",
                ":" + CHAIN + " - [0:0]",
                jumped ? JUMP.replaceFirst("^-A", "-D") : "",
                "-X " + CHAIN,
                "COMMIT"));
    }

    /** Restore input: the non-empty lines, each ending in a newline. */
    private static String lines(String... lines) {
        var out = new StringBuilder();
        for (String line : lines) {
            if (!line.isEmpty()) {
                out.append(line).append('\n');
            }
        }
        return out.toString();
    }
}
