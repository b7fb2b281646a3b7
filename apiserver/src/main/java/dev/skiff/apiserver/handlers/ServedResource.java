package dev.skiff.apiserver.handlers;

import dev.skiff.api.resource.ResourceInfo;
import dev.skiff.api.selector.SelectableFields;
import dev.skiff.registry.generic.GenericRegistry;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One resource served over HTTP: what discovery says about it, the registry that stores it, and
 * the create-only subresources it serves (pods/binding, pods/eviction). The status, scale and
 * finalize subresources come from the registry's strategy.
 */
public record ServedResource<T extends HasMetadata>(ResourceInfo info, Class<T> type, GenericRegistry<T> registry,
                                                    SelectableFields fields, TableConvertor table,
                                                    Map<String, SubresourceCreate<?>> creates) {

    /** The verbs the handlers implement; discovery lists the intersection with the resource's own. */
    public static final Set<String> HANDLED_VERBS =
            Set.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");

    public ServedResource {
        creates = Map.copyOf(creates);
    }

    public static <T extends HasMetadata> ServedResource<T> of(ResourceInfo info, Class<T> type, GenericRegistry<T> registry,
                                                               Clock clock) {
        if (!info.type().equals(type)) {
            throw new IllegalArgumentException(info.groupResource() + " is " + info.type().getSimpleName() + ", not " + type.getSimpleName());
        }
        return new ServedResource<>(info, type, registry,
                SelectableFields.forResource(info.group(), info.resource(), info.namespaced()),
                TableConvertor.forKind(info.kind(), clock), Map.of());
    }

    /** This resource with one more POST-only subresource. */
    public ServedResource<T> withCreate(String subresource, SubresourceCreate<?> create) {
        if (info.subresource(subresource).isEmpty()) {
            throw new IllegalArgumentException(info.groupResource() + " has no subresource " + subresource);
        }
        Map<String, SubresourceCreate<?>> all = new HashMap<>(creates);
        all.put(subresource, create);
        return new ServedResource<>(info, type, registry, fields, table, all);
    }

    public Set<String> verbs() {
        return info.verbs().stream().filter(HANDLED_VERBS::contains).collect(java.util.stream.Collectors.toSet());
    }

    /** The subresources that work, for discovery: those with an update strategy, scale, and the create-only ones. */
    public List<String> subresources() {
        List<String> names = new ArrayList<>();
        for (var sub : info.subresources()) {
            String name = sub.name();
            if (registry.subresource(name).isPresent() || name.equals("scale") && registry.scalable() || creates.containsKey(name)) {
                names.add(name);
            }
        }
        return names;
    }
}
