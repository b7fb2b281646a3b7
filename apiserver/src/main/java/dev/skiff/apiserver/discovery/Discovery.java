package dev.skiff.apiserver.discovery;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.api.errors.ApiException;
import dev.skiff.api.resource.GroupVersion;
import dev.skiff.api.resource.ResourceInfo;
import dev.skiff.apiserver.endpoints.ApiRequest;
import dev.skiff.apiserver.endpoints.ApiResponse;
import dev.skiff.apiserver.endpoints.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * API discovery for the resources actually served, as kube-apiserver v1.33 publishes it: the legacy
 * documents ({@code /api} APIVersions, {@code /apis} APIGroupList, {@code /apis/<g>} APIGroup,
 * {@code /api/v1} and {@code /apis/<g>/<v>} APIResourceList) and aggregated discovery
 * (apidiscovery.k8s.io v2, and v2beta1 for kubectl before 1.30) when the Accept header asks for
 * {@code as=APIGroupDiscoveryList}.
 */
public final class Discovery {
    static final String AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
    static final String AGGREGATED_V2BETA1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** Served resources in discovery order, each with the verbs and subresources that work for it. */
    public record Entry(ResourceInfo info, Set<String> verbs, List<String> subresources) {
    }

    /**
     * A group-version an extension API server serves (an APIService with a service), in priority
     * order; {@code resources} is its APIResourceList's resources as the last availability check
     * read them, null when that check failed.
     */
    public record Aggregated(GroupVersion groupVersion, JsonNode resources) {
    }

    private final List<Entry> entries;
    private final List<GroupVersion> groupVersions;
    private volatile Supplier<List<Aggregated>> aggregated = List::of;

    /** {@code groupVersionOrder} is the registry's discovery order; only group-versions with an entry are published. */
    public Discovery(List<Entry> entries, List<GroupVersion> groupVersionOrder) {
        this.entries = List.copyOf(entries);
        this.groupVersions = groupVersionOrder.stream()
                .filter(gv -> entries.stream().anyMatch(e -> e.info().groupVersion().equals(gv))).toList();
    }

    /** Publishes the extension API servers' group-versions too (after the built-in ones, as their priorities are lower). */
    public void aggregate(Supplier<List<Aggregated>> remote) {
        this.aggregated = remote;
    }

    /** Whether {@code path} is a discovery document this serves (or could: /apis/<g>[/<v>]). */
    public static boolean isDiscoveryPath(List<String> segments) {
        if (segments.isEmpty()) {
            return false;
        }
        return segments.getFirst().equals("api") ? segments.size() <= 2 : segments.getFirst().equals("apis") && segments.size() <= 3;
    }

    public void serve(ApiRequest request, List<String> segments, ApiResponse response) {
        if (!request.method().equals("GET") && !request.method().equals("HEAD")) {
            throw ApiException.methodNotSupported("", request.method());
        }
        boolean core = segments.getFirst().equals("api");
        if (segments.size() == 1) {
            String aggregated = aggregatedMediaType(request.header("accept"));
            if (aggregated != null) {
                ObjectNode list = aggregated(core, aggregated.contains("v=v2beta1") ? "v2beta1" : "v2");
                response.send(200, aggregated, Map.of("Vary", "Accept"), Json.write(list));
                return;
            }
            response.send(200, ApiResponse.JSON, Map.of("Vary", "Accept"),
                    Json.write(core ? apiVersions(request) : groupList()));
            return;
        }
        if (core) {
            GroupVersion gv = new GroupVersion("", segments.get(1));
            requireServed(gv);
            response.json(200, resourceList(gv));
            return;
        }
        String group = segments.get(1);
        if (segments.size() == 2) {
            if (versions(group).isEmpty()) {
                throw ApiException.notFoundPath();
            }
            response.json(200, group(group, true));
            return;
        }
        GroupVersion gv = new GroupVersion(group, segments.get(2));
        requireServed(gv);
        response.json(200, resourceList(gv));
    }

    /** The aggregated media type the client accepts, or null (then the legacy documents). */
    static String aggregatedMediaType(String accept) {
        if (accept == null) {
            return null;
        }
        for (String part : accept.split(",")) {
            String type = part.replace(" ", "");
            if (!type.contains("as=APIGroupDiscoveryList") || !type.contains("g=apidiscovery.k8s.io")) {
                continue;
            }
            if (type.contains("v=v2beta1")) {
                return AGGREGATED_V2BETA1;
            }
            if (type.contains("v=v2;") || type.endsWith("v=v2")) {
                return AGGREGATED_V2;
            }
        }
        return null;
    }

    private void requireServed(GroupVersion gv) {
        if (!groupVersions.contains(gv)) {
            throw ApiException.notFoundPath();
        }
    }

    private List<GroupVersion> versions(String group) {
        var versions = new ArrayList<>(groupVersions.stream().filter(gv -> gv.group().equals(group)).toList());
        aggregated.get().stream().map(Aggregated::groupVersion).filter(gv -> gv.group().equals(group) && !versions.contains(gv))
                .forEach(versions::add);
        return versions;
    }

    private List<Entry> entries(GroupVersion gv) {
        return entries.stream().filter(e -> e.info().groupVersion().equals(gv)).toList();
    }

    ObjectNode apiVersions(ApiRequest request) {
        ObjectNode node = MAPPER.createObjectNode().put("kind", "APIVersions");
        ArrayNode versions = node.putArray("versions");
        versions("").forEach(gv -> versions.add(gv.version()));
        String host = request.header("host"); // HTTP/1.1 only: HTTP/2 carries :authority, which the seam does not expose
        if (host != null && !host.isEmpty()) {
            node.putArray("serverAddressByClientCIDRs").addObject().put("clientCIDR", "0.0.0.0/0").put("serverAddress", host);
        }
        return node;
    }

    ObjectNode groupList() {
        ObjectNode node = MAPPER.createObjectNode().put("kind", "APIGroupList").put("apiVersion", "v1");
        ArrayNode groups = node.putArray("groups");
        java.util.stream.Stream.concat(groupVersions.stream(), aggregated.get().stream().map(Aggregated::groupVersion))
                .map(GroupVersion::group).filter(g -> !g.isEmpty()).distinct()
                .forEach(g -> groups.add(group(g, false)));
        return node;
    }

    private ObjectNode group(String group, boolean withKind) {
        ObjectNode node = MAPPER.createObjectNode();
        if (withKind) {
            node.put("kind", "APIGroup").put("apiVersion", "v1");
        }
        node.put("name", group);
        ArrayNode versions = node.putArray("versions");
        List<GroupVersion> served = versions(group);
        served.forEach(gv -> versions.addObject().put("groupVersion", gv.apiVersion()).put("version", gv.version()));
        GroupVersion preferred = served.getFirst();
        node.putObject("preferredVersion").put("groupVersion", preferred.apiVersion()).put("version", preferred.version());
        return node;
    }

    ObjectNode resourceList(GroupVersion gv) {
        ObjectNode node = MAPPER.createObjectNode().put("kind", "APIResourceList").put("apiVersion", "v1")
                .put("groupVersion", gv.apiVersion());
        ArrayNode resources = node.putArray("resources");
        for (Entry entry : entries(gv)) {
            ResourceInfo info = entry.info();
            ObjectNode r = resources.addObject().put("name", info.resource()).put("singularName", info.singular())
                    .put("namespaced", info.namespaced()).put("kind", info.kind());
            strings(r.putArray("verbs"), new TreeSet<>(entry.verbs()));
            if (!info.shortNames().isEmpty()) {
                strings(r.putArray("shortNames"), info.shortNames());
            }
            if (!info.categories().isEmpty()) {
                strings(r.putArray("categories"), info.categories());
            }
            for (String sub : entry.subresources()) {
                var subresource = info.subresource(sub).orElseThrow();
                ObjectNode s = resources.addObject().put("name", info.resource() + "/" + sub).put("singularName", "")
                        .put("namespaced", info.namespaced()).put("kind", subresource.kind());
                String group = subresource.group() == null ? info.group() : subresource.group();
                String version = subresource.version() == null ? info.version() : subresource.version();
                if (!group.equals(info.group()) || !version.equals(info.version())) {
                    s.put("group", group).put("version", version);
                }
                strings(s.putArray("verbs"), new TreeSet<>(subresource.verbs()));
            }
        }
        return node;
    }

    ObjectNode aggregated(boolean core, String version) {
        ObjectNode node = MAPPER.createObjectNode().put("kind", "APIGroupDiscoveryList")
                .put("apiVersion", "apidiscovery.k8s.io/" + version);
        node.putObject("metadata");
        ArrayNode items = node.putArray("items");
        Map<String, List<GroupVersion>> byGroup = new LinkedHashMap<>();
        for (GroupVersion gv : groupVersions) {
            if (gv.group().isEmpty() == core) {
                byGroup.computeIfAbsent(gv.group(), g -> new ArrayList<>()).add(gv);
            }
        }
        byGroup.forEach((group, gvs) -> {
            ObjectNode item = items.addObject();
            ObjectNode meta = item.putObject("metadata");
            if (!group.isEmpty()) {
                meta.put("name", group);
            }
            ArrayNode versions = item.putArray("versions");
            for (GroupVersion gv : gvs) {
                ObjectNode v = versions.addObject().put("version", gv.version());
                ArrayNode resources = v.putArray("resources");
                for (Entry entry : entries(gv)) {
                    ResourceInfo info = entry.info();
                    ObjectNode r = resources.addObject().put("resource", info.resource());
                    r.putObject("responseKind").put("group", info.group()).put("version", info.version()).put("kind", info.kind());
                    r.put("scope", info.namespaced() ? "Namespaced" : "Cluster").put("singularResource", info.singular());
                    strings(r.putArray("verbs"), new TreeSet<>(entry.verbs()));
                    if (!info.shortNames().isEmpty()) {
                        strings(r.putArray("shortNames"), info.shortNames());
                    }
                    if (!info.categories().isEmpty()) {
                        strings(r.putArray("categories"), info.categories());
                    }
                    if (!entry.subresources().isEmpty()) {
                        ArrayNode subs = r.putArray("subresources");
                        for (String sub : entry.subresources()) {
                            var subresource = info.subresource(sub).orElseThrow();
                            ObjectNode s = subs.addObject().put("subresource", sub);
                            s.putObject("responseKind")
                                    .put("group", subresource.group() == null ? info.group() : subresource.group())
                                    .put("version", subresource.version() == null ? info.version() : subresource.version())
                                    .put("kind", subresource.kind());
                            strings(s.putArray("verbs"), new TreeSet<>(subresource.verbs()));
                        }
                    }
                }
                v.put("freshness", "Current");
            }
        });
        if (!core) {
            aggregatedRemote(items);
        }
        return node;
    }

    /** The extension servers' group-versions in aggregated form, from their legacy resource lists; Stale when unreadable. */
    private void aggregatedRemote(ArrayNode items) {
        Map<String, ObjectNode> byGroup = new LinkedHashMap<>();
        items.forEach(item -> byGroup.put(item.path("metadata").path("name").asText(), (ObjectNode) item));
        for (Aggregated remote : aggregated.get()) {
            GroupVersion gv = remote.groupVersion();
            ObjectNode item = byGroup.computeIfAbsent(gv.group(), g -> {
                ObjectNode added = items.addObject();
                added.putObject("metadata").put("name", g);
                added.putArray("versions");
                return added;
            });
            ArrayNode versions = (ArrayNode) item.get("versions");
            boolean known = false;
            for (JsonNode v : versions) {
                known |= v.path("version").asText().equals(gv.version());
            }
            if (known) {
                continue; // served here too: the local one wins in discovery
            }
            ObjectNode v = versions.addObject().put("version", gv.version());
            ArrayNode resources = v.putArray("resources");
            Map<String, ObjectNode> byName = new LinkedHashMap<>();
            if (remote.resources() != null) {
                for (JsonNode r : remote.resources()) {
                    String name = r.path("name").asText();
                    int slash = name.indexOf('/');
                    if (slash < 0) {
                        ObjectNode out = resources.addObject().put("resource", name);
                        out.putObject("responseKind").put("group", r.path("group").asText(gv.group()))
                                .put("version", r.path("version").asText(gv.version())).put("kind", r.path("kind").asText());
                        out.put("scope", r.path("namespaced").asBoolean() ? "Namespaced" : "Cluster")
                                .put("singularResource", r.path("singularName").asText());
                        out.set("verbs", r.path("verbs").isArray() ? r.get("verbs") : MAPPER.createArrayNode());
                        if (r.path("shortNames").isArray()) {
                            out.set("shortNames", r.get("shortNames"));
                        }
                        if (r.path("categories").isArray()) {
                            out.set("categories", r.get("categories"));
                        }
                        byName.put(name, out);
                    }
                }
                for (JsonNode r : remote.resources()) {
                    String name = r.path("name").asText();
                    int slash = name.indexOf('/');
                    ObjectNode parent = slash < 0 ? null : byName.get(name.substring(0, slash));
                    if (parent != null) {
                        ArrayNode subs = parent.has("subresources") ? (ArrayNode) parent.get("subresources") : parent.putArray("subresources");
                        ObjectNode s = subs.addObject().put("subresource", name.substring(slash + 1));
                        s.putObject("responseKind").put("group", r.path("group").asText(gv.group()))
                                .put("version", r.path("version").asText(gv.version())).put("kind", r.path("kind").asText());
                        s.set("verbs", r.path("verbs").isArray() ? r.get("verbs") : MAPPER.createArrayNode());
                    }
                }
            }
            v.put("freshness", remote.resources() == null ? "Stale" : "Current");
        }
    }

    private static void strings(ArrayNode array, Iterable<String> values) {
        values.forEach(array::add);
    }
}
