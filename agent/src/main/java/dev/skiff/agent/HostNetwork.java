package dev.skiff.agent;

import dev.skiff.agent.flannel.Masquerade;
import dev.skiff.agent.flannel.RouteNetwork;
import dev.skiff.proxy.iptables.IptablesRunner;
import dev.skiff.proxy.iptables.Proxier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What an agent programs into its network namespace besides its pods' own network: the service proxy's iptables rules,
 * flannel's masquerade chain, and flannel's routes to other nodes' pods (with the vxlan device). They belong to the
 * namespace, not the data dir, and outlive an agent that stops - as kube-proxy's and flanneld's do - so services,
 * masquerading and cross-node routes keep working while the agent restarts. The agent notes in its data dir
 * ({@value #FILE}) which of them it installed, so that {@code skiff killall} removes exactly those, and nothing for an
 * agent that ran without them (--disable-kube-proxy leaves another proxy's rules alone).
 *
 * @param proxy          the service proxy ran (its KUBE- chains)
 * @param masquerade     flannel's masquerade for this cluster CIDR ran (FLANNEL-POSTRTG); null for none
 * @param flannelBackend the route network ran with this backend ({@code host-gw}, {@code vxlan}); null for none
 */
record HostNetwork(boolean proxy, String masquerade, String flannelBackend) {
    static final String FILE = "host-network";

    /** What this and an earlier run of an agent on the same data dir left together: a restart with less must not forget. */
    HostNetwork and(HostNetwork earlier) {
        return new HostNetwork(proxy || earlier.proxy, masquerade != null ? masquerade : earlier.masquerade,
                flannelBackend != null ? flannelBackend : earlier.flannelBackend);
    }

    /** One line per component: {@code proxy iptables}, {@code masquerade <cidr>}, {@code routes <backend>}. */
    String format() {
        var out = new StringBuilder();
        if (proxy) {
            out.append("proxy iptables\n");
        }
        if (masquerade != null) {
            out.append("masquerade ").append(masquerade).append('\n');
        }
        if (flannelBackend != null) {
            out.append("routes ").append(flannelBackend).append('\n');
        }
        return out.toString();
    }

    static HostNetwork parse(String text) {
        boolean proxy = false;
        String masquerade = null;
        String backend = null;
        for (String line : text.split("\n")) {
            String[] f = line.strip().split("\\s+");
            if (line.isBlank()) {
                continue;
            }
            if (f.length != 2) {
                throw new IllegalArgumentException("not a host network line: '" + line.strip() + "'");
            }
            switch (f[0]) {
                case "proxy" -> proxy = true;
                case "masquerade" -> masquerade = f[1];
                case "routes" -> backend = f[1];
                default -> throw new IllegalArgumentException("not a host network line: '" + line.strip() + "'");
            }
        }
        return new HostNetwork(proxy, masquerade, backend);
    }

    /** What the agents on {@code dataDir} left, if they noted anything. */
    static Optional<HostNetwork> read(Path dataDir) throws IOException {
        Path file = dataDir.resolve(FILE);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(parse(Files.readString(file)));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /** Notes this (with what an earlier run noted) before the agent installs it. */
    void record(Path dataDir) throws IOException {
        var all = read(dataDir).map(this::and).orElse(this);
        Path file = dataDir.resolve(FILE);
        Path temporary = dataDir.resolve(FILE + ".tmp");
        Files.writeString(temporary, all.format());
        Files.move(temporary, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Forgets the note once what it names is removed. */
    static void forget(Path dataDir) throws IOException {
        Files.deleteIfExists(dataDir.resolve(FILE));
    }

    /**
     * Removes what this names from the current network namespace: the proxy's chains and jumps (kube-proxy's
     * --cleanup), the masquerade chain and its jump, the routes and vxlan device.
     *
     * @return what was removed, one phrase each, for killall to say
     */
    List<String> remove(IptablesRunner iptables) throws IOException, InterruptedException {
        var removed = new ArrayList<String>();
        if (proxy) {
            new Proxier(iptables, new Proxier.Config(null, Duration.ofHours(1)), Clock.systemUTC()).cleanup();
            removed.add("the service proxy's iptables rules");
        }
        if (masquerade != null) {
            Masquerade.remove(iptables);
            removed.add("the masquerade of " + masquerade);
        }
        if (flannelBackend != null) {
            int routes = RouteNetwork.remove();
            removed.add(routes + " route(s) to other nodes' pods" + ("vxlan".equals(flannelBackend) ? " and the vxlan device" : ""));
        }
        return removed;
    }
}
