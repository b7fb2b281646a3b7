package dev.skiff.proxy.iptables;

import dev.skiff.proxy.ServicePort;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Upstream's iptables Proxier: keeps the kernel's rules in step with the services, one atomic
 * {@code iptables-restore --noflush} per sync. A sync compares each service's ports and endpoints with
 * what the last successful sync programmed and rewrites only the chains of services that differ
 * (upstream's partial sync); a full sync rewrites every chain, re-adds missing jump rules from the
 * built-in chains and deletes stale chains found by {@code iptables-save}. It runs first, after a
 * failed sync, and every {@code fullSyncPeriod}.
 *
 * <p>Not thread-safe by design: one owner (the {@code ProxyServer}'s sync loop) calls it.
 */
public final class Proxier {
    private static final Logger log = LoggerFactory.getLogger(Proxier.class);

    /**
     * @param clusterCidr the pods' range (--cluster-cidr): cluster-IP traffic from outside it is masqueraded; null for none
     * @param fullSyncPeriod how often a sync rewrites everything even without a failure (upstream: one hour)
     */
    public record Config(String clusterCidr, Duration fullSyncPeriod) {
    }

    /** What one sync did, for logs and the benchmark. */
    public record SyncResult(boolean full, int services, int changedServices, int chainsWritten, int chainsDeleted, int bytes,
                             Duration generate, Duration restore) {
    }

    private final IptablesRunner iptables;
    private final Config config;
    private final Clock clock;
    private Map<String, List<ServicePort>> synced = Map.of();
    private Set<String> activeChains = Set.of();
    private boolean needFullSync = true;
    private Instant lastFullSync = Instant.MIN;

    public Proxier(IptablesRunner iptables, Config config, Clock clock) {
        this.iptables = iptables;
        this.config = config;
        this.clock = clock;
    }

    /** Programs {@code services} (ports by {@code namespace/name}); on failure the next sync is a full one. */
    public SyncResult sync(Map<String, List<ServicePort>> services) throws IOException, InterruptedException {
        Instant start = clock.instant();
        boolean full = needFullSync || !lastFullSync.plus(config.fullSyncPeriod()).isAfter(start);
        needFullSync = true; // until this sync succeeds
        var sorted = new TreeMap<>(services);
        Set<String> changed = null;
        Set<String> existing = new HashSet<>(activeChains);
        List<ProxyRules.Jump> jumps = List.of();
        if (full) {
            String nat = iptables.save("nat");
            String filter = iptables.save("filter");
            existing.addAll(chains(nat));
            jumps = missingJumps(filter, nat);
        } else {
            changed = new HashSet<>();
            for (var entry : sorted.entrySet()) {
                if (!Objects.equals(synced.get(entry.getKey()), entry.getValue())) {
                    changed.add(entry.getKey());
                }
            }
            for (String key : synced.keySet()) {
                if (!sorted.containsKey(key)) {
                    changed.add(key);
                }
            }
        }
        var output = ProxyRules.write(sorted, changed, existing, jumps, config.clusterCidr());
        Instant generated = clock.instant();
        iptables.restore(output.data());
        Instant restored = clock.instant();
        synced = Map.copyOf(sorted);
        activeChains = output.active();
        needFullSync = false;
        if (full) {
            lastFullSync = start;
        }
        var result = new SyncResult(full, sorted.size(), changed == null ? sorted.size() : changed.size(), output.written(),
                output.deleted(), output.data().length(), Duration.between(start, generated), Duration.between(generated, restored));
        log.debug("proxy sync full={} services={} changed={} chainsWritten={} chainsDeleted={} took={}", result.full(), result.services(),
                result.changedServices(), result.chainsWritten(), result.chainsDeleted(), Duration.between(start, restored));
        return result;
    }

    /** Whether the next sync rewrites everything. */
    public boolean needsFullSync() {
        return needFullSync;
    }

    /**
     * Removes every rule and chain this proxy made (upstream's CleanupLeftovers): the jumps from the
     * built-in chains first, then our chains, flushed and deleted, in one transaction per table. Other
     * rules stay as they are. Safe to call when nothing is installed.
     */
    public void cleanup() throws IOException, InterruptedException {
        var data = new StringBuilder();
        for (String table : List.of("filter", "nat")) {
            String saved = iptables.save(table);
            Set<String> ours = new java.util.TreeSet<>();
            for (String chain : chains(saved)) {
                if (ChainNames.ours(chain)) {
                    ours.add(chain);
                }
            }
            if (ours.isEmpty()) {
                continue;
            }
            data.append('*').append(table).append('\n');
            for (String line : saved.split("\n")) {
                // a rule of a chain not ours that jumps into one of ours
                if (line.startsWith("-A ")) {
                    String chain = line.substring(3, line.indexOf(' ', 3));
                    int jump = line.lastIndexOf(" -j ");
                    if (!ours.contains(chain) && jump >= 0 && ours.contains(line.substring(jump + 4).split(" ")[0])) {
                        data.append("-D").append(line.substring(2)).append('\n');
                    }
                }
            }
            for (String chain : ours) {
                data.append(':').append(chain).append(" - [0:0]\n");
            }
            for (String chain : ours) {
                data.append("-X ").append(chain).append('\n');
            }
            data.append("COMMIT\n");
        }
        if (!data.isEmpty()) {
            iptables.restore(data.toString());
        }
        synced = Map.of();
        activeChains = Set.of();
        needFullSync = true;
    }

    /** Chain names declared in iptables-save output ({@code :NAME POLICY [p:b]}). */
    static List<String> chains(String saved) {
        var chains = new ArrayList<String>();
        for (String line : saved.split("\n")) {
            if (line.startsWith(":")) {
                chains.add(line.substring(1, line.indexOf(' ')));
            }
        }
        return chains;
    }

    /** The jump rules from built-in chains that the kernel lacks (a rule of that chain jumping to the target counts as present). */
    static List<ProxyRules.Jump> missingJumps(String filter, String nat) {
        var missing = new ArrayList<ProxyRules.Jump>();
        for (var jump : ProxyRules.JUMPS) {
            String saved = jump.table().equals("nat") ? nat : filter;
            String target = jump.rule().substring(jump.rule().lastIndexOf(" -j ") + 4);
            String comment = jump.rule().substring(jump.rule().indexOf("--comment ") + 10, jump.rule().indexOf(" -j "));
            boolean present = saved.lines().anyMatch(l -> l.startsWith("-A " + jump.chain() + " ") && l.endsWith(" -j " + target)
                    && l.contains(comment));
            if (!present) {
                missing.add(jump);
            }
        }
        return missing;
    }
}
