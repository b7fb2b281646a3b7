package dev.skiff.apiserver.handlers;

import dev.skiff.api.fieldmanager.Apply;
import dev.skiff.api.fieldmanager.ManagedFields;
import dev.skiff.api.fieldmanager.Manager;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.api.errors.ApiException;
import dev.skiff.api.resource.GroupVersion;
import dev.skiff.api.selector.FieldSelector;
import dev.skiff.api.selector.LabelSelector;
import dev.skiff.apiserver.discovery.Discovery;
import dev.skiff.apiserver.endpoints.ApiHandler;
import dev.skiff.apiserver.endpoints.ApiRequest;
import dev.skiff.apiserver.endpoints.ApiResponse;
import dev.skiff.apiserver.endpoints.Json;
import dev.skiff.apiserver.endpoints.ResponseStream;
import dev.skiff.registry.generic.DeleteOptions;
import dev.skiff.registry.generic.DeleteResult;
import dev.skiff.registry.storage.ListOptions;
import dev.skiff.registry.storage.ListResult;
import dev.skiff.registry.storage.ResourceVersionMatch;
import dev.skiff.registry.watch.WatchEvent;
import dev.skiff.registry.watch.WatchOptions;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The REST handlers of kube-apiserver's endpoints/handlers for every served resource, under
 * {@code /api} and {@code /apis}: get, list, watch, create, update, patch (json, merge, strategic), delete,
 * deletecollection, plus discovery. Decodes and encodes JSON; all semantics are the
 * {@link dev.skiff.registry.generic.GenericRegistry}'s.
 */
public final class ResourceHandler implements ApiHandler {
    static final String TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io";
    /** Upstream picks a watch timeout in [minRequestTimeout, 2*minRequestTimeout) when the client gives none (1800 s). */
    private static final long MIN_REQUEST_TIMEOUT_SECONDS = 1800;
    private static final int PATCH_ATTEMPTS = 5;

    private final Map<String, ServedResource<?>> byPath = new LinkedHashMap<>();
    private final Discovery discovery;

    public ResourceHandler(List<ServedResource<?>> served, List<GroupVersion> groupVersionOrder) {
        List<Discovery.Entry> entries = new ArrayList<>();
        for (ServedResource<?> r : served) {
            byPath.put(key(r.info().group(), r.info().version(), r.info().resource()), r);
            entries.add(new Discovery.Entry(r.info(), r.verbs(), List.of()));
        }
        this.discovery = new Discovery(entries, groupVersionOrder);
    }

    private static String key(String group, String version, String resource) {
        return group + "/" + version + "/" + resource;
    }

    @Override
    public void handle(ApiRequest request, ApiResponse response) {
        List<String> segments = Arrays.stream(request.path().split("/")).filter(s -> !s.isEmpty()).toList();
        if (Discovery.isDiscoveryPath(segments) && !request.info().resourceRequest()) {
            discovery.serve(request, segments, response);
            return;
        }
        var info = request.info();
        if (!info.resourceRequest()) {
            throw ApiException.notFoundPath();
        }
        ServedResource<?> served = byPath.get(key(info.apiGroup(), info.apiVersion(), info.resource()));
        if (served == null || !info.subresource().isEmpty()) {
            throw ApiException.notFoundPath();
        }
        serve(served, request, response);
    }

    private <T extends HasMetadata> void serve(ServedResource<T> r, ApiRequest request, ApiResponse response) {
        var info = request.info();
        boolean namespaced = r.info().namespaced();
        String namespace = namespaced ? info.namespace() : null;
        String name = info.name();
        if (!namespaced && !info.namespace().isEmpty() && !(r.info().resource().equals("namespaces") && info.namespace().equals(name))) {
            throw ApiException.notFoundPath();
        }
        String verb = info.verb();
        if (namespaced && namespace.isEmpty() && !name.isEmpty()) {
            throw ApiException.notFoundPath();
        }
        if (!r.verbs().contains(verb) || namespaced && namespace.isEmpty() && (verb.equals("create") || verb.equals("deletecollection"))) {
            throw ApiException.methodNotSupported(r.info().resource(), request.method());
        }
        switch (verb) {
            case "get" -> get(r, request, response, namespace, name);
            case "list" -> list(r, request, response, namespace);
            case "watch" -> watch(r, request, response, namespace);
            case "create" -> create(r, request, response, namespace);
            case "update" -> update(r, request, response, namespace, name);
            case "patch" -> patch(r, request, response, namespace, name);
            case "delete" -> delete(r, request, response, namespace, name);
            case "deletecollection" -> deleteCollection(r, request, response, namespace);
            default -> throw ApiException.methodNotSupported(r.info().resource(), request.method());
        }
    }

    // -- read

    private <T extends HasMetadata> void get(ServedResource<T> r, ApiRequest request, ApiResponse response, String ns, String name) {
        T object = r.registry().get(ns, name);
        if (wantsTable(request)) {
            send(response, 200, TABLE, Map.of(), r.table().table(List.of(object), object.getMetadata().getResourceVersion(), null, null,
                    request.queryParam("includeObject"), true));
            return;
        }
        response.json(200, typed(r, object));
    }

    private <T extends HasMetadata> void list(ServedResource<T> r, ApiRequest request, ApiResponse response, String ns) {
        ListOptions options = listOptions(r, request);
        ListResult<T> result = r.registry().list(ns, options);
        if (wantsTable(request)) {
            send(response, 200, TABLE, Map.of(), r.table().table(result.items(), result.resourceVersion(), result.continueToken(),
                    result.remainingItemCount(), request.queryParam("includeObject"), true));
            return;
        }
        response.json(200, listObject(r, result.items(), result.resourceVersion(), result.continueToken(), result.remainingItemCount()));
    }

    private <T extends HasMetadata> ObjectNode listObject(ServedResource<T> r, List<T> items, String rv, String cont, Long remaining) {
        ObjectNode list = BodyDecoder.JSON.createObjectNode().put("kind", r.info().kind() + "List")
                .put("apiVersion", r.info().apiVersion());
        ObjectNode meta = list.putObject("metadata");
        if (rv != null) {
            meta.put("resourceVersion", rv);
        }
        if (cont != null) {
            meta.put("continue", cont);
        }
        if (remaining != null) {
            meta.put("remainingItemCount", remaining);
        }
        ArrayNode array = list.putArray("items");
        for (T item : items) {
            ObjectNode node = BodyDecoder.JSON.valueToTree(item);
            node.remove("kind");
            node.remove("apiVersion");
            array.add(node);
        }
        return list;
    }

    private <T extends HasMetadata> ListOptions listOptions(ServedResource<T> r, ApiRequest request) {
        long limit = 0;
        String limitParam = request.queryParam("limit");
        if (limitParam != null && !limitParam.isEmpty()) {
            try {
                limit = Math.max(0, Long.parseLong(limitParam));
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("invalid value for limit: " + ApiException.goQuote(limitParam));
            }
        }
        ResourceVersionMatch match = switch (orEmpty(request.queryParam("resourceVersionMatch"))) {
            case "" -> ResourceVersionMatch.UNSET;
            case "NotOlderThan" -> ResourceVersionMatch.NOT_OLDER_THAN;
            case "Exact" -> ResourceVersionMatch.EXACT;
            default -> throw ApiException.invalid("meta.k8s.io", "ListOptions", "", List.of(ApiException.Cause.notSupported(
                    "resourceVersionMatch", request.queryParam("resourceVersionMatch"), List.of("Exact", "NotOlderThan", ""))));
        };
        String rv = request.queryParam("resourceVersion");
        if (match != ResourceVersionMatch.UNSET && (rv == null || rv.isEmpty())) {
            throw ApiException.invalid("meta.k8s.io", "ListOptions", "", List.of(ApiException.Cause.forbidden(
                    "resourceVersionMatch", "resourceVersionMatch is forbidden unless resourceVersion is provided")));
        }
        return new ListOptions(rv, match, limit, request.queryParam("continue"), predicate(r, request));
    }

    private <T extends HasMetadata> Predicate<? super HasMetadata> predicate(ServedResource<T> r, ApiRequest request) {
        LabelSelector labels = LabelSelector.parse(orEmpty(request.queryParam("labelSelector")));
        FieldSelector fields = FieldSelector.parse(orEmpty(request.queryParam("fieldSelector")), r.fields());
        if (labels.isEmpty() && fields.isEmpty()) {
            return ListOptions.EVERYTHING;
        }
        return o -> labels.matches(o.getMetadata().getLabels() == null ? Map.of() : o.getMetadata().getLabels())
                && fields.matches(r.fields().of(o));
    }

    private <T extends HasMetadata> void watch(ServedResource<T> r, ApiRequest request, ApiResponse response, String ns) {
        Predicate<? super HasMetadata> predicate = predicate(r, request);
        WatchOptions options = new WatchOptions(request.queryParam("resourceVersion"), predicate,
                "true".equals(request.queryParam("allowWatchBookmarks")),
                request.queryParam("sendInitialEvents") == null ? null : "true".equals(request.queryParam("sendInitialEvents")));
        long timeoutSeconds = MIN_REQUEST_TIMEOUT_SECONDS + ThreadLocalRandom.current().nextLong(MIN_REQUEST_TIMEOUT_SECONDS);
        String timeoutParam = request.queryParam("timeoutSeconds");
        if (timeoutParam != null && !timeoutParam.isEmpty()) {
            try {
                timeoutSeconds = Long.parseLong(timeoutParam);
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("invalid value for timeoutSeconds: " + ApiException.goQuote(timeoutParam));
            }
        }
        boolean table = wantsTable(request);
        String includeObject = request.queryParam("includeObject");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Math.max(0, timeoutSeconds));
        var queue = new LinkedBlockingQueue<WatchEvent<T>>();
        dev.skiff.registry.watch.WatchStream watch = null;
        try (ResponseStream stream = response.stream(200, table ? TABLE : ApiResponse.JSON, Map.of())) {
            try {
                watch = r.registry().watch(ns, options, queue::add);
            } catch (ApiException e) {
                queue.add(WatchEvent.error(e));
            }
            boolean first = true;
            while (stream.open()) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    break;
                }
                WatchEvent<T> event = queue.poll(Math.min(remaining, Duration.ofSeconds(1).toNanos()), TimeUnit.NANOSECONDS);
                if (event == null) {
                    continue;
                }
                ObjectNode line = BodyDecoder.JSON.createObjectNode().put("type", event.type().name());
                if (event.type() == WatchEvent.Type.ERROR) {
                    line.set("object", BodyDecoder.JSON.valueToTree(event.error().status()));
                } else if (table && event.type() != WatchEvent.Type.BOOKMARK) {
                    line.set("object", r.table().table(List.of(event.object()), event.object().getMetadata().getResourceVersion(),
                            null, null, includeObject, first));
                    first = false;
                } else {
                    line.set("object", BodyDecoder.JSON.valueToTree(typed(r, event.object())));
                }
                byte[] bytes = (line.toString() + "\n").getBytes(StandardCharsets.UTF_8);
                if (!stream.write(bytes) || event.type() == WatchEvent.Type.ERROR) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (watch != null) {
                watch.close();
            }
        }
    }

    // -- write

    private <T extends HasMetadata> void create(ServedResource<T> r, ApiRequest request, ApiResponse response, String ns) {
        boolean dryRun = dryRun(request);
        var decoded = BodyDecoder.decode(request.body(), request.header("content-type"), r.info(), r.type(),
                request.queryParam("fieldValidation"));
        trackUpdate(r, request, null, decoded.object());
        T created = r.registry().create(ns, decoded.object(), dryRun);
        send(response, 201, ApiResponse.JSON, warnings(decoded.warnings()), typed(r, created));
    }

    private <T extends HasMetadata> void update(ServedResource<T> r, ApiRequest request, ApiResponse response, String ns, String name) {
        boolean dryRun = dryRun(request);
        var decoded = BodyDecoder.decode(request.body(), request.header("content-type"), r.info(), r.type(),
                request.queryParam("fieldValidation"));
        T live = getOrNull(r, ns, name);
        trackUpdate(r, request, live, decoded.object());
        var result = r.registry().update(ns, name, decoded.object(), dryRun);
        send(response, result.created() ? 201 : 200, ApiResponse.JSON, warnings(decoded.warnings()), typed(r, result.object()));
    }

    /** JSON patch, merge patch or strategic merge patch ({@link Patcher}) on the current object, retried on conflicts. */
    private <T extends HasMetadata> void patch(ServedResource<T> r, ApiRequest request, ApiResponse response, String ns, String name) {
        String patchType = Patcher.patchType(request.header("content-type"));
        if (patchType.equals(Patcher.APPLY_PATCH)) {
            serverSideApply(r, request, response, ns, name);
            return;
        }
        boolean dryRun = dryRun(request);
        String fieldValidation = request.queryParam("fieldValidation");
        for (int attempt = 1; ; attempt++) {
            T existing = r.registry().get(ns, name);
            JsonNode patched = Patcher.apply(patchType, BodyDecoder.JSON.valueToTree(typed(r, existing)), request.body(), r.type(),
                    fieldValidation);
            var decoded = Patcher.decode(patchType, patched, request.body(), r.info(), r.type(), fieldValidation);
            trackUpdate(r, request, existing, decoded.object());
            try {
                var result = r.registry().update(ns, name, decoded.object(), dryRun);
                send(response, 200, ApiResponse.JSON, warnings(decoded.warnings()), typed(r, result.object()));
                return;
            } catch (ApiException e) {
                // a patch that names a resourceVersion is a precondition: its conflict is the client's to see
                boolean namesVersion = !existing.getMetadata().getResourceVersion().equals(decoded.object().getMetadata().getResourceVersion());
                if (namesVersion || !"Conflict".equals(e.reason()) || attempt == PATCH_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    /** The live object, or null when there is none (writes that may create). */
    private static <T extends HasMetadata> T getOrNull(ServedResource<T> r, String ns, String name) {
        try {
            return r.registry().get(ns, name);
        } catch (ApiException e) {
            if (e.code() != 404) {
                throw e;
            }
            return null;
        }
    }

    /**
     * Records a non-apply write in managedFields as upstream's Update operation: the manager is
     * {@code fieldManager} or the User-Agent's prefix; the live entries carry over unless the
     * request sent its own.
     */
    private <T extends HasMetadata> void trackUpdate(ServedResource<T> r, ApiRequest request, T live, T updated) {
        String fieldManager = request.queryParam("fieldManager");
        if (fieldManager != null && fieldManager.getBytes(StandardCharsets.UTF_8).length > 128) {
            throw ApiException.badRequest(r.info().kind() + " \"\" is invalid: " + ApiException.Cause.tooLong("fieldManager", 128).describe());
        }
        String name = fieldManager == null || fieldManager.isEmpty() ? Manager.fromUserAgent(request.header("user-agent")) : fieldManager;
        Manager manager = new Manager(name, Manager.UPDATE, r.info().apiVersion(), null);
        var entries = updated.getMetadata().getManagedFields() != null ? updated.getMetadata().getManagedFields()
                : live == null ? null : live.getMetadata().getManagedFields();
        updated.getMetadata().setManagedFields(null);
        JsonNode before = live == null ? null : BodyDecoder.JSON.valueToTree(typed(r, live));
        JsonNode after = BodyDecoder.JSON.valueToTree(typed(r, updated));
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        updated.getMetadata().setManagedFields(ManagedFields.update(entries, before, after, r.type(), manager, now));
    }

    /** Server-side apply ({@link Apply}): creates when missing, else merges with field ownership; retried on storage conflicts. */
    private <T extends HasMetadata> void serverSideApply(ServedResource<T> r, ApiRequest request, ApiResponse response, String ns,
                                                         String name) {
        String fieldManager = request.queryParam("fieldManager");
        if (fieldManager == null || fieldManager.isEmpty()) {
            throw ApiException.badRequest("PatchOptions.meta.k8s.io \"\" is invalid: "
                    + ApiException.Cause.required("fieldManager", "is required for apply patch").describe());
        }
        if (fieldManager.getBytes(StandardCharsets.UTF_8).length > 128) {
            throw ApiException.badRequest("PatchOptions.meta.k8s.io \"\" is invalid: " + ApiException.Cause.tooLong("fieldManager", 128).describe());
        }
        JsonNode applied = BodyDecoder.parse(request.body(), "application/yaml", r.info());
        if (applied == null || !applied.isObject()) {
            throw ApiException.badRequest("error decoding YAML: the applied configuration is not an object");
        }
        boolean dryRun = dryRun(request);
        boolean force = "true".equals(request.queryParam("force"));
        Manager manager = new Manager(fieldManager, Manager.APPLY, applied.path("apiVersion").asText(), null);
        for (int attempt = 1; ; attempt++) {
            T existing = getOrNull(r, ns, name);
            JsonNode live = existing == null ? null : BodyDecoder.JSON.valueToTree(typed(r, existing));
            String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
            Apply.Result result = Apply.apply(live, applied, r.type(), manager, force, now);
            // fieldsV1 keys would read as unknown fields: the entries are set on the decoded object as built
            ((ObjectNode) result.object().get("metadata")).remove("managedFields");
            var decoded = BodyDecoder.decode(Json.write(result.object()), "application/json", r.info(), r.type(),
                    request.queryParam("fieldValidation"));
            decoded.object().getMetadata().setManagedFields(result.managedFields());
            try {
                if (existing == null) {
                    send(response, 201, ApiResponse.JSON, warnings(decoded.warnings()), typed(r, r.registry().create(ns, decoded.object(), dryRun)));
                } else {
                    var updated = r.registry().update(ns, name, decoded.object(), dryRun);
                    send(response, 200, ApiResponse.JSON, warnings(decoded.warnings()), typed(r, updated.object()));
                }
                return;
            } catch (ApiException e) {
                if (!("Conflict".equals(e.reason()) || "AlreadyExists".equals(e.reason())) || attempt == PATCH_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    private <T extends HasMetadata> void delete(ServedResource<T> r, ApiRequest request, ApiResponse response, String ns, String name) {
        DeleteResult<T> result = r.registry().delete(ns, name, deleteOptions(request));
        if (!result.removed()) {
            response.json(200, typed(r, result.object()));
            return;
        }
        ObjectNode status = BodyDecoder.JSON.createObjectNode().put("kind", "Status").put("apiVersion", "v1");
        status.putObject("metadata");
        status.put("status", "Success");
        ObjectNode details = status.putObject("details").put("name", name);
        if (!r.info().group().isEmpty()) {
            details.put("group", r.info().group());
        }
        details.put("kind", r.info().resource()).put("uid", result.object().getMetadata().getUid());
        response.json(200, status);
    }

    private <T extends HasMetadata> void deleteCollection(ServedResource<T> r, ApiRequest request, ApiResponse response, String ns) {
        List<DeleteResult<T>> results = r.registry().deleteCollection(ns, listOptions(r, request), deleteOptions(request));
        List<T> items = results.stream().map(d -> typed(r, d.object())).toList();
        response.json(200, listObject(r, items, null, null, null));
    }

    private DeleteOptions deleteOptions(ApiRequest request) {
        Long grace = null;
        String uid = null;
        String rv = null;
        String policy = request.queryParam("propagationPolicy");
        boolean dryRun = dryRun(request);
        Boolean orphan = request.queryParam("orphanDependents") == null ? null : Boolean.parseBoolean(request.queryParam("orphanDependents"));
        if (request.queryParam("gracePeriodSeconds") != null) {
            grace = parseLong("gracePeriodSeconds", request.queryParam("gracePeriodSeconds"));
        }
        if (request.body() != null && request.body().length > 0) {
            JsonNode body;
            try {
                body = BodyDecoder.JSON.readTree(request.body());
            } catch (java.io.IOException e) {
                throw ApiException.badRequest("the object provided is unrecognized (must be of type DeleteOptions): " + e.getMessage());
            }
            if (body != null && body.isObject()) {
                if (body.hasNonNull("gracePeriodSeconds")) {
                    grace = body.get("gracePeriodSeconds").asLong();
                }
                if (body.hasNonNull("propagationPolicy")) {
                    policy = body.get("propagationPolicy").asText();
                }
                if (body.hasNonNull("orphanDependents")) {
                    orphan = body.get("orphanDependents").asBoolean();
                }
                JsonNode pre = body.path("preconditions");
                if (pre.hasNonNull("uid")) {
                    uid = pre.get("uid").asText();
                }
                if (pre.hasNonNull("resourceVersion")) {
                    rv = pre.get("resourceVersion").asText();
                }
                if (body.path("dryRun").isArray()) {
                    for (JsonNode v : body.get("dryRun")) {
                        dryRun |= checkDryRun(v.asText());
                    }
                }
            }
        }
        if (policy != null && orphan != null) {
            throw ApiException.invalid("meta.k8s.io", "DeleteOptions", "", List.of(ApiException.Cause.invalid("propagationPolicy", policy,
                    "orphanDependents and deletionPropagation cannot be both set")));
        }
        if (policy == null && orphan != null) {
            policy = orphan ? "Orphan" : "Background";
        }
        return new DeleteOptions(grace, uid, rv, policy, dryRun);
    }

    // -- helpers

    private static boolean dryRun(ApiRequest request) {
        List<String> values = request.query().getOrDefault("dryRun", List.of());
        boolean dryRun = false;
        for (String v : values) {
            dryRun |= checkDryRun(v);
        }
        return dryRun;
    }

    private static boolean checkDryRun(String value) {
        if (value.equals("All")) {
            return true;
        }
        throw ApiException.badRequest("Invalid dryRun value: " + ApiException.goQuote(value) + ", supported values: \"All\"");
    }

    private static long parseLong(String name, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid value for " + name + ": " + ApiException.goQuote(value));
        }
    }

    private static <T extends HasMetadata> T typed(ServedResource<T> r, T object) {
        object.setApiVersion(r.info().apiVersion());
        return object;
    }

    /** Whether the client asked for server-side printing (kubectl get). */
    static boolean wantsTable(ApiRequest request) {
        String accept = request.header("accept");
        if (accept == null) {
            return false;
        }
        for (String part : accept.split(",")) {
            String type = part.replace(" ", "");
            if (type.contains("as=Table") && type.contains("g=meta.k8s.io") && (type.contains("v=v1;") || type.endsWith("v=v1"))) {
                return true;
            }
        }
        return false;
    }

    private static Map<String, String> warnings(List<String> warnings) {
        if (warnings.isEmpty()) {
            return Map.of();
        }
        Map<String, String> headers = new HashMap<>();
        headers.put("Warning", String.join(", ", warnings.stream()
                .map(w -> "299 - \"" + w.replace("\\", "\\\\").replace("\"", "\\\"") + "\"").toList()));
        return headers;
    }

    private static void send(ApiResponse response, int status, String contentType, Map<String, String> headers, Object value) {
        response.send(status, contentType, headers, Json.write(value));
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
