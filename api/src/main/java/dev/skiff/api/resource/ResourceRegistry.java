package dev.skiff.api.resource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Every resource the API server serves, with the lookups the server and clients need: by URL
 * (group, version, plural), by kind (preferred version first), by the short names and singular
 * names kubectl accepts, and the group-versions in upstream's discovery order. Immutable.
 */
public final class ResourceRegistry {
    private final List<ResourceInfo> resources;
    private final List<GroupVersion> groupVersions;
    private final Map<String, ResourceInfo> byPath = new LinkedHashMap<>();

    private ResourceRegistry(List<ResourceInfo> resources, List<GroupVersion> groupVersionOrder) {
        List<GroupVersion> served = new ArrayList<>();
        for (GroupVersion gv : groupVersionOrder) {
            if (resources.stream().anyMatch(r -> r.groupVersion().equals(gv))) {
                served.add(gv);
            }
        }
        for (ResourceInfo r : resources) {
            if (!served.contains(r.groupVersion())) {
                throw new IllegalArgumentException("no discovery priority for " + r.groupVersion());
            }
            if (byPath.put(key(r.group(), r.version(), r.resource()), r) != null) {
                throw new IllegalArgumentException("duplicate resource " + r.groupResource() + " at " + r.version());
            }
        }
        // keep resources in discovery order: group-version first, then as declared
        List<ResourceInfo> ordered = new ArrayList<>();
        for (GroupVersion gv : served) {
            resources.stream().filter(r -> r.groupVersion().equals(gv)).forEach(ordered::add);
        }
        this.resources = List.copyOf(ordered);
        this.groupVersions = List.copyOf(served);
    }

    /** The built-in resources of kube-apiserver v1.33 that skiff serves. */
    public static ResourceRegistry builtIn() {
        return new ResourceRegistry(BuiltInResources.list(), BuiltInResources.groupVersionOrder());
    }

    /** All resources, in discovery order. */
    public List<ResourceInfo> all() {
        return resources;
    }

    /** The served group-versions in discovery order: core v1 first, each group's preferred version before its others. */
    public List<GroupVersion> groupVersions() {
        return groupVersions;
    }

    /** The API groups (not core) in discovery order. */
    public List<String> groups() {
        return groupVersions.stream().map(GroupVersion::group).filter(g -> !g.isEmpty()).distinct().toList();
    }

    public List<GroupVersion> versions(String group) {
        return groupVersions.stream().filter(gv -> gv.group().equals(group)).toList();
    }

    public Optional<GroupVersion> preferredVersion(String group) {
        return groupVersions.stream().filter(gv -> gv.group().equals(group)).findFirst();
    }

    public List<ResourceInfo> resources(GroupVersion gv) {
        return resources.stream().filter(r -> r.groupVersion().equals(gv)).toList();
    }

    /** As a URL names it: /apis/{group}/{version}/{resource}. */
    public Optional<ResourceInfo> find(String group, String version, String resource) {
        return Optional.ofNullable(byPath.get(key(group, version, resource)));
    }

    /** A kind at an exact group-version (an object's apiVersion and kind). */
    public Optional<ResourceInfo> findByKind(String group, String version, String kind) {
        return resources.stream()
                .filter(r -> r.group().equals(group) && r.version().equals(version) && r.kind().equals(kind))
                .findFirst();
    }

    /** A kind in a group at the group's preferred version (where it is served). */
    public Optional<ResourceInfo> findByKind(String group, String kind) {
        return resources.stream().filter(r -> r.group().equals(group) && r.kind().equals(kind)).findFirst();
    }

    /**
     * What kubectl's resource names resolve to: plural, singular or short name, case-insensitive,
     * optionally qualified by group ("deploy.apps"). Where several groups share a name (core and
     * events.k8s.io events) the earlier group in discovery order wins, as in kubectl.
     */
    public Optional<ResourceInfo> resolve(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        Optional<ResourceInfo> plain = resources.stream().filter(r -> names(r, n)).findFirst();
        if (plain.isPresent() || n.indexOf('.') < 0) {
            return plain;
        }
        int dot = n.indexOf('.');
        String resource = n.substring(0, dot);
        String group = n.substring(dot + 1);
        return resources.stream().filter(r -> r.group().equals(group) && names(r, resource)).findFirst();
    }

    /** Every resource (preferred version of each group) in a category, e.g. "all". */
    public List<ResourceInfo> category(String category) {
        Map<String, ResourceInfo> seen = new LinkedHashMap<>();
        for (ResourceInfo r : resources) {
            if (r.categories().contains(category)) {
                seen.putIfAbsent(r.groupResource(), r);
            }
        }
        return List.copyOf(seen.values());
    }

    private static boolean names(ResourceInfo r, String n) {
        return r.resource().equals(n) || r.singular().equals(n) || r.shortNames().contains(n);
    }

    private static String key(String group, String version, String resource) {
        return group + "/" + version + "/" + resource;
    }
}
