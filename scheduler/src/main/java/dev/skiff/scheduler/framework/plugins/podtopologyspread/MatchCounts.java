package dev.skiff.scheduler.framework.plugins.podtopologyspread;

import dev.skiff.api.selector.LabelSelector;
import dev.skiff.api.selector.Requirement;
import dev.skiff.scheduler.framework.NodeInfo;
import dev.skiff.scheduler.framework.Parallelizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * For one constraint's pod selection (namespace, selector, matchLabelKeys) and topology key: per
 * node of the snapshot, its domain (the value of the key) and its matching pods, kept from one
 * scheduling cycle to the next. A node is recounted only when its generation changed (the cache
 * bumps it on every change of the node or its pods, and the snapshot copies it), so replicas of a
 * workload scheduled one after another walk the pods of the few nodes that changed, where
 * upstream's PreFilter walks every pod in the cluster each cycle. A node of a snapshot no cache
 * keeps (generation 0) is recounted every time.
 *
 * <p>Not thread-safe: {@link Cache} hands them out under its lock, which the caller holds while it reads.
 */
final class MatchCounts {
    private List<NodeInfo> nodes;
    private long[] generations;
    /** Per node its domain's index into {@link #domainNames}, -1 when the node lacks the topology key. */
    private int[] domains;
    private int[] counts;
    private final List<String> domainNames = new ArrayList<>();
    private final Map<String, Integer> domainIds = new HashMap<>();

    /** Brings the counts up to date with {@code nodes} (the snapshot's list), recounting the nodes changed since the last call. */
    void refresh(List<NodeInfo> nodes, Constraint constraint, String namespace, Parallelizer parallelizer) {
        int n = nodes.size();
        if (nodes != this.nodes || n != counts.length) {
            this.nodes = nodes;
            generations = new long[n];
            domains = new int[n];
            counts = new int[n];
            domainNames.clear();
            domainIds.clear();
        }
        int[] stale = new int[n];
        int staleCount = 0;
        for (int i = 0; i < n; i++) {
            long g = nodes.get(i).generation();
            if (g == 0 || g != generations[i]) {
                stale[staleCount++] = i;
            }
        }
        int[] changed = Arrays.copyOf(stale, staleCount);
        parallelizer.until(changed.length, j -> counts[changed[j]] = constraint.countMatching(nodes.get(changed[j]), namespace));
        for (int i : changed) {
            NodeInfo node = nodes.get(i);
            String value = node.labels().get(constraint.topologyKey());
            domains[i] = value == null ? -1 : domainIds.computeIfAbsent(value, v -> {
                domainNames.add(v);
                return domainNames.size() - 1;
            });
            generations[i] = node.generation();
        }
    }

    /** The node's domain index (see {@link #domainName}), -1 when it lacks the topology key. */
    int domain(int node) {
        return domains[node];
    }

    int count(int node) {
        return counts[node];
    }

    int domainCount() {
        return domainNames.size();
    }

    String domainName(int domain) {
        return domainNames.get(domain);
    }

    /** What a {@link MatchCounts} counts. */
    record Key(String namespace, LabelSelector selector, List<Requirement> matchLabelKeys, String topologyKey) {
        static Key of(Constraint c, String namespace) {
            return new Key(namespace, c.selector(), c.matchLabelKeys(), c.topologyKey());
        }
    }

    /** The counts of the most recently used selections, a bounded number of them. */
    static final class Cache {
        private static final int MAX_ENTRIES = 32;
        private final Map<Key, MatchCounts> entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, MatchCounts> eldest) {
                return size() > MAX_ENTRIES;
            }
        };

        /** The counts for {@code constraints}, each brought up to date; the caller holds this cache's lock while it reads them. */
        MatchCounts[] refreshed(List<Constraint> constraints, String namespace, List<NodeInfo> nodes, Parallelizer parallelizer) {
            assert Thread.holdsLock(this);
            MatchCounts[] out = new MatchCounts[constraints.size()];
            for (int k = 0; k < out.length; k++) {
                Constraint c = constraints.get(k);
                out[k] = entries.computeIfAbsent(Key.of(c, namespace), x -> new MatchCounts());
                out[k].refresh(nodes, c, namespace, parallelizer);
            }
            return out;
        }
    }
}
