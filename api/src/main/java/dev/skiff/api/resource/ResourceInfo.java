package dev.skiff.api.resource;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One resource at one group-version, as kube-apiserver v1.33 serves it: names (plural resource,
 * singular, kind, shortNames), scope, categories, verbs, subresources, the fabric8 model classes,
 * and where it lives in the store. A resource served at two versions (autoscaling v1 and v2
 * horizontalpodautoscalers) has one ResourceInfo per version and one shared storage prefix.
 *
 * @param storagePrefix the key prefix under which objects are stored ({@code /registry/...}, without
 *                      trailing slash); null for resources that are never stored (reviews)
 * @param listType      null for create-only resources, which have no list
 */
public record ResourceInfo(
        String group,
        String version,
        String kind,
        String resource,
        String singular,
        boolean namespaced,
        List<String> shortNames,
        List<String> categories,
        Set<String> verbs,
        List<Subresource> subresources,
        Class<? extends HasMetadata> type,
        Class<? extends KubernetesResource> listType,
        String storagePrefix) {

    public static final Set<String> ALL_VERBS = Set.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");

    public ResourceInfo {
        shortNames = List.copyOf(shortNames);
        categories = List.copyOf(categories);
        verbs = Set.copyOf(verbs);
        subresources = List.copyOf(subresources);
    }

    public GroupVersion groupVersion() {
        return new GroupVersion(group, version);
    }

    public String apiVersion() {
        return groupVersion().apiVersion();
    }

    /** "deployments.apps", or "pods" for core: how upstream names a group resource in messages. */
    public String groupResource() {
        return group.isEmpty() ? resource : resource + "." + group;
    }

    public boolean stored() {
        return storagePrefix != null;
    }

    public boolean supports(String verb) {
        return verbs.contains(verb);
    }

    public Optional<Subresource> subresource(String name) {
        return subresources.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /**
     * The store key of one object: {@code <prefix>/<namespace>/<name>} for namespaced resources,
     * {@code <prefix>/<name>} for cluster-scoped ones, as upstream's registry lays keys out.
     */
    public String storageKey(String namespace, String name) {
        if (!stored()) {
            throw new IllegalStateException(groupResource() + " is not stored");
        }
        return namespaced ? storagePrefix + "/" + namespace + "/" + name : storagePrefix + "/" + name;
    }

    /** The prefix under which all objects of a namespace (or, with null, of all namespaces) are listed. */
    public String storageListPrefix(String namespace) {
        if (!stored()) {
            throw new IllegalStateException(groupResource() + " is not stored");
        }
        return namespaced && namespace != null && !namespace.isEmpty() ? storagePrefix + "/" + namespace + "/" : storagePrefix + "/";
    }
}
