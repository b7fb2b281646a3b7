package dev.skiff.api.quota;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Quantity;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Upstream's generic object count evaluator: each stored object counts one against
 * {@code count/<resource>.<group>} and, for the core resources quota always knew
 * (configmaps, secrets, replicationcontrollers, resourcequotas), against the plain name too.
 * Only creates change the count.
 */
public record ObjectCountEvaluator(String group, String resource, String alias) implements Evaluator {

    /** The names this evaluator charges: the object count name and the alias, if any. */
    public List<String> names() {
        String count = Evaluator.objectCountName(group, resource);
        return alias == null ? List.of(count) : List.of(count, alias);
    }

    @Override
    public Set<String> matchingResources(Collection<String> names) {
        Set<String> matching = new TreeSet<>(names);
        matching.retainAll(names());
        return matching;
    }

    @Override
    public Map<String, Quantity> usage(HasMetadata object, Instant now) {
        return ResourceLists.of(names(), 1);
    }

    @Override
    public boolean handles(boolean create) {
        return create;
    }
}
