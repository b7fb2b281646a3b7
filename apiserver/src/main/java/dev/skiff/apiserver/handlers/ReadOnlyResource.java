package dev.skiff.apiserver.handlers;

import dev.skiff.api.resource.ResourceInfo;
import dev.skiff.api.selector.LabelSelector;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.time.Clock;
import java.util.List;

/**
 * A resource that is only read and never stored (metrics.k8s.io nodes and pods): get and list
 * (with a label selector) answered from {@code reader}, as JSON or as a Table, no watch, no
 * resourceVersion; every other verb 405.
 */
public record ReadOnlyResource(ResourceInfo info, Reader reader, TableConvertor table) {

    /** The resource's logic; {@code namespace} is null for cluster-scoped resources and for a list across namespaces. */
    public interface Reader {
        HasMetadata get(String namespace, String name);

        List<? extends HasMetadata> list(String namespace, LabelSelector selector);
    }

    public static ReadOnlyResource of(ResourceInfo info, Reader reader, Clock clock) {
        return new ReadOnlyResource(info, reader, TableConvertor.forKind(info.kind(), clock));
    }
}
