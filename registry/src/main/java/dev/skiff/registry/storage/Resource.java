package dev.skiff.registry.storage;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.function.Supplier;

/**
 * What storage needs to know about one resource: its names (for error messages), its Java type,
 * whether it lives in namespaces, and its key prefix ({@code /registry/configmaps}; upstream
 * picks some prefixes per resource, e.g. {@code /registry/services/specs}, so it is given).
 */
public record Resource<T extends HasMetadata>(String group, String plural, String kind, boolean namespaced,
                                              String keyPrefix, Class<T> type, Supplier<T> newObject) {

    public Resource {
        if (keyPrefix.endsWith("/")) {
            keyPrefix = keyPrefix.substring(0, keyPrefix.length() - 1);
        }
    }

    /** The usual layout: {@code /registry/<plural>}. */
    public static <T extends HasMetadata> Resource<T> of(String group, String plural, String kind, boolean namespaced,
                                                         Class<T> type, Supplier<T> newObject) {
        return new Resource<>(group, plural, kind, namespaced, "/registry/" + plural, type, newObject);
    }

    /** {@code /registry/<resource>/<namespace>/<name>}, or {@code /registry/<resource>/<name>} when cluster-scoped. */
    public String key(String namespace, String name) {
        return namespaced ? keyPrefix + "/" + namespace + "/" + name : keyPrefix + "/" + name;
    }

    /** The prefix that lists one namespace (or everything when {@code namespace} is null/empty); ends with "/". */
    public String listPrefix(String namespace) {
        return namespaced && namespace != null && !namespace.isEmpty() ? keyPrefix + "/" + namespace + "/" : keyPrefix + "/";
    }
}
