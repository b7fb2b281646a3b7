package dev.skiff.apiserver.handlers;

import dev.skiff.api.resource.ResourceInfo;
import dev.skiff.api.selector.SelectableFields;
import dev.skiff.registry.conversion.Conversion;
import dev.skiff.registry.generic.GenericRegistry;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One resource served over HTTP at one version: what discovery says about it, the registry that
 * stores it, when the served version is not the stored one (autoscaling/v1 over v2) the
 * conversion between the two, the create-only subresources it serves (pods/binding,
 * pods/eviction) and the connect ones (pods/log, exec, attach, portforward). The status, scale and finalize subresources come from the registry's strategy.
 * Field selectors read the served version; table columns the stored object.
 */
public record ServedResource<T extends HasMetadata>(ResourceInfo info, Class<T> type, GenericRegistry<T> registry,
                                                    SelectableFields fields, TableConvertor table,
                                                    Conversion<T, ? extends HasMetadata> conversion,
                                                    Map<String, SubresourceCreate<?>> creates, Map<String, Connecter> connects) {

    /** The verbs the handlers implement; discovery lists the intersection with the resource's own. */
    public static final Set<String> HANDLED_VERBS =
            Set.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");

    public ServedResource {
        creates = Map.copyOf(creates);
        connects = Map.copyOf(connects);
    }

    public static <T extends HasMetadata> ServedResource<T> of(ResourceInfo info, Class<T> type, GenericRegistry<T> registry,
                                                               Clock clock) {
        return of(info, type, registry, clock, null);
    }

    /** Served at {@code info}'s version through {@code conversion} (null: the stored version itself). */
    public static <T extends HasMetadata> ServedResource<T> of(ResourceInfo info, Class<T> type, GenericRegistry<T> registry,
                                                               Clock clock, Conversion<T, ? extends HasMetadata> conversion) {
        Class<?> wire = conversion == null ? type : conversion.externalType();
        if (!info.type().equals(wire)) {
            throw new IllegalArgumentException(info.groupResource() + " is " + info.type().getSimpleName() + ", not " + wire.getSimpleName());
        }
        return new ServedResource<>(info, type, registry,
                SelectableFields.forResource(info.group(), info.resource(), info.namespaced()),
                TableConvertor.forKind(info.kind(), clock), conversion, Map.of(), Map.of());
    }

    /** This resource with one more POST-only subresource. */
    public ServedResource<T> withCreate(String subresource, SubresourceCreate<?> create) {
        if (info.subresource(subresource).isEmpty()) {
            throw new IllegalArgumentException(info.groupResource() + " has no subresource " + subresource);
        }
        Map<String, SubresourceCreate<?>> all = new HashMap<>(creates);
        all.put(subresource, create);
        return new ServedResource<>(info, type, registry, fields, table, conversion, all, connects);
    }

    /** This resource with one more subresource that hands the request to another server (pods/log, exec, attach, portforward). */
    public ServedResource<T> withConnect(String subresource, Connecter connecter) {
        if (info.subresource(subresource).isEmpty()) {
            throw new IllegalArgumentException(info.groupResource() + " has no subresource " + subresource);
        }
        Map<String, Connecter> all = new HashMap<>(connects);
        all.put(subresource, connecter);
        return new ServedResource<>(info, type, registry, fields, table, conversion, creates, all);
    }

    public Set<String> verbs() {
        return info.verbs().stream().filter(HANDLED_VERBS::contains).collect(java.util.stream.Collectors.toSet());
    }

    /** The subresources that work, for discovery: those with an update strategy, scale, and the create-only ones. */
    public List<String> subresources() {
        List<String> names = new ArrayList<>();
        for (var sub : info.subresources()) {
            String name = sub.name();
            if (registry.subresource(name).isPresent() || name.equals("scale") && registry.scalable() || creates.containsKey(name)
                    || connects.containsKey(name)) {
                names.add(name);
            }
        }
        return names;
    }

    /** The type request bodies decode into. */
    Class<? extends HasMetadata> wireType() {
        return conversion == null ? type : conversion.externalType();
    }

    /** A decoded request body as the stored type. */
    T toStorage(HasMetadata wire) {
        return conversion == null ? type.cast(wire) : convertIn(conversion, wire);
    }

    /** A stored object as this version shows it, apiVersion set. */
    HasMetadata toWire(T stored) {
        HasMetadata wire = conversion == null ? stored : conversion.fromStorage(stored);
        wire.setApiVersion(info.apiVersion());
        return wire;
    }

    /** The object's selectable fields as this version names them (read off the converted object). */
    java.util.Map<String, String> selectableFields(T stored) {
        return fields.of(conversion == null ? stored : conversion.fromStorage(stored));
    }

    private static <T extends HasMetadata, E extends HasMetadata> T convertIn(Conversion<T, E> conversion, HasMetadata wire) {
        return conversion.toStorage(conversion.externalType().cast(wire));
    }
}
