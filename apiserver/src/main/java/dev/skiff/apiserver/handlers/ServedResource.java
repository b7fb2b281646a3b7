package dev.skiff.apiserver.handlers;

import dev.skiff.api.resource.ResourceInfo;
import dev.skiff.api.selector.SelectableFields;
import dev.skiff.registry.generic.GenericRegistry;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.time.Clock;
import java.util.Set;

/** One resource served over HTTP: what discovery says about it and the registry that stores it. */
public record ServedResource<T extends HasMetadata>(ResourceInfo info, Class<T> type, GenericRegistry<T> registry,
                                                    SelectableFields fields, TableConvertor table) {

    /** The verbs the handlers implement; discovery lists the intersection with the resource's own. */
    public static final Set<String> HANDLED_VERBS =
            Set.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");

    public static <T extends HasMetadata> ServedResource<T> of(ResourceInfo info, Class<T> type, GenericRegistry<T> registry,
                                                               Clock clock) {
        if (!info.type().equals(type)) {
            throw new IllegalArgumentException(info.groupResource() + " is " + info.type().getSimpleName() + ", not " + type.getSimpleName());
        }
        return new ServedResource<>(info, type, registry,
                SelectableFields.forResource(info.group(), info.resource(), info.namespaced()),
                TableConvertor.forKind(info.kind(), clock));
    }

    public Set<String> verbs() {
        return info.verbs().stream().filter(HANDLED_VERBS::contains).collect(java.util.stream.Collectors.toSet());
    }
}
