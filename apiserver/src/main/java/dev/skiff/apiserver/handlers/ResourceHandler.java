package dev.skiff.apiserver.handlers;

import dev.skiff.api.fieldmanager.Apply;
import dev.skiff.api.fieldmanager.ManagedFields;
import dev.skiff.api.fieldmanager.Manager;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.api.errors.ApiException;
import dev.skiff.api.resource.GroupVersion;
import dev.skiff.api.resource.ResourceInfo;
import dev.skiff.api.resource.Subresource;
import dev.skiff.api.selector.FieldSelector;
import dev.skiff.api.selector.LabelSelector;
import dev.skiff.apiserver.discovery.Discovery;
import dev.skiff.apiserver.endpoints.ApiHandler;
import dev.skiff.apiserver.endpoints.ApiRequest;
import dev.skiff.apiserver.endpoints.ApiResponse;
import dev.skiff.apiserver.endpoints.Json;
import dev.skiff.apiserver.endpoints.ResponseStream;
import dev.skiff.registry.generic.DeleteOptions;
import dev.skiff.apiserver.request.QueryBool;
import dev.skiff.registry.generic.DeleteResult;
import dev.skiff.registry.generic.GenericRegistry;
import dev.skiff.registry.storage.ListOptions;
import dev.skiff.registry.storage.ListResult;
import dev.skiff.registry.storage.ResourceVersionMatch;
import dev.skiff.registry.watch.WatchEvent;
import dev.skiff.registry.watch.WatchOptions;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.autoscaling.v1.Scale;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
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
    private final Map<String, CreateOnlyResource<?>> createOnly = new LinkedHashMap<>();
    private final Map<String, ReadOnlyResource> readOnly = new LinkedHashMap<>();
    private final Discovery discovery;

    public ResourceHandler(List<ServedResource<?>> served, List<GroupVersion> groupVersionOrder) {
        this(served, List.of(), groupVersionOrder);
    }

    public ResourceHandler(List<ServedResource<?>> served, List<CreateOnlyResource<?>> reviews, List<GroupVersion> groupVersionOrder) {
        this(served, reviews, List.of(), groupVersionOrder);
    }

    public ResourceHandler(List<ServedResource<?>> served, List<CreateOnlyResource<?>> reviews, List<ReadOnlyResource> reads,
                           List<GroupVersion> groupVersionOrder) {
        List<Discovery.Entry> entries = new ArrayList<>();
        for (ServedResource<?> r : served) {
            byPath.put(key(r.info().group(), r.info().version(), r.info().resource()), r);
            entries.add(new Discovery.Entry(r.info(), r.verbs(), r.subresources()));
        }
        for (CreateOnlyResource<?> r : reviews) {
            createOnly.put(key(r.info().group(), r.info().version(), r.info().resource()), r);
            entries.add(new Discovery.Entry(r.info(), java.util.Set.of("create"), List.of()));
        }
        for (ReadOnlyResource r : reads) {
            readOnly.put(key(r.info().group(), r.info().version(), r.info().resource()), r);
            entries.add(new Discovery.Entry(r.info(), r.info().verbs(), List.of()));
        }
        this.discovery = new Discovery(entries, groupVersionOrder);
    }

    private static String key(String group, String version, String resource) {
        return group + "/" + version + "/" + resource;
    }

    /** The discovery documents this serves (the aggregator adds the extension servers' group-versions to them). */
    public Discovery discovery() {
        return discovery;
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
        CreateOnlyResource<?> review = createOnly.get(key(info.apiGroup(), info.apiVersion(), info.resource()));
        if (review != null && info.subresource().isEmpty() && info.name().isEmpty()) {
            createReview(review, request, response);
            return;
        }
        ReadOnlyResource read = readOnly.get(key(info.apiGroup(), info.apiVersion(), info.resource()));
        if (read != null) {
            serveReadOnly(read, request, response);
            return;
        }
        ServedResource<?> served = byPath.get(key(info.apiGroup(), info.apiVersion(), info.resource()));
        if (served == null) {
            throw ApiException.notFoundPath();
        }
        if (!info.subresource().isEmpty()) {
            serveSubresource(served, request, response);
            return;
        }
        serve(served, request, response);
    }

    /** The request's namespace for this resource (null when cluster-scoped), or 404 when the path's scope does not fit it. */
    private static String namespaceOf(ServedResource<?> r, ApiRequest request) {
        var info = request.info();
        boolean namespaced = r.info().namespaced();
        String name = info.name();
        if (!namespaced && !info.namespace().isEmpty() && !(r.info().resource().equals("namespaces") && info.namespace().equals(name))) {
            throw ApiException.notFoundPath();
        }
        if (namespaced && info.namespace().isEmpty() && !name.isEmpty()) {
            throw ApiException.notFoundPath();
        }
        return namespaced ? info.namespace() : null;
    }

    private <T extends HasMetadata> void serve(ServedResource<T> r, ApiRequest request, ApiResponse response) {
        var info = request.info();
        boolean namespaced = r.info().namespaced();
        String namespace = namespaceOf(r, request);
        String name = info.name();
        String verb = info.verb();
        if (!r.verbs().contains(verb) || namespaced && namespace.isEmpty() && (verb.equals("create") || verb.equals("deletecollection"))) {
            throw ApiException.methodNotSupported(r.info().resource(), request.method());
        }
        switch (verb) {
            case "get" -> get(r, request, response, namespace, name);
            case "list" -> list(r, request, response, namespace);
            case "watch" -> watch(r, request, response, namespace);
            case "create" -> create(r, request, response, namespace);
            case "update" -> update(r, r.registry(), request, response, namespace, name);
            case "patch" -> patch(r, r.registry(), request, response, namespace, name);
            case "delete" -> delete(r, request, response, namespace, name);
            case "deletecollection" -> deleteCollection(r, request, response, namespace);
            default -> throw ApiException.methodNotSupported(r.info().resource(), request.method());
        }
    }

    // -- subresources

    /**
     * status / finalize (the same object under another update strategy), scale (an autoscaling/v1
     * Scale over the object) and the create-only ones (binding, eviction), as upstream installs
     * each subresource's REST storage.
     */
    private <T extends HasMetadata> void serveSubresource(ServedResource<T> r, ApiRequest request, ApiResponse response) {
        var info = request.info();
        String sub = info.subresource();
        var declared = r.info().subresource(sub);
        if (declared.isEmpty() || !r.subresources().contains(sub) || info.name().isEmpty()) {
            throw ApiException.notFoundPath();
        }
        String namespace = namespaceOf(r, request);
        String name = info.name();
        String verb = info.verb();
        if (!declared.get().verbs().contains(verb)) {
            throw ApiException.methodNotSupported(r.info().resource() + "/" + sub, request.method());
        }
        if (sub.equals("scale")) {
            scale(r, request, response, namespace, name, verb);
            return;
        }
        Connecter connecter = r.connects().get(sub);
        if (connecter != null) {
            connecter.connect(namespace, name, request, response);
            return;
        }
        SubresourceCreate<?> create = r.creates().get(sub);
        if (create != null) {
            createSubresource(r, create, bodyInfo(r, declared.get()), request, response, namespace, name);
            return;
        }
        var registry = r.registry().subresource(sub).orElseThrow(ApiException::notFoundPath);
        switch (verb) {
            case "get" -> get(r, request, response, namespace, name);
            case "update" -> update(r, registry, request, response, namespace, name);
            case "patch" -> patch(r, registry, request, response, namespace, name);
            default -> throw ApiException.methodNotSupported(r.info().resource() + "/" + sub, request.method());
        }
    }

    /** What a subresource's body is, for decoding: its own kind and group-version (e.g. policy/v1 Eviction). */
    private static ResourceInfo bodyInfo(ServedResource<?> r, Subresource sub) {
        String group = sub.group() == null ? r.info().group() : sub.group();
        String version = sub.version() == null ? r.info().version() : sub.version();
        Class<? extends HasMetadata> type = sub.name().equals("scale") ? Scale.class
                : r.creates().containsKey(sub.name()) ? r.creates().get(sub.name()).bodyType() : r.info().type();
        return new ResourceInfo(group, version, sub.kind(), r.info().resource() + "/" + sub.name(), "", r.info().namespaced(),
                List.of(), List.of(), sub.verbs(), List.of(), type, null, null);
    }

    private <T extends HasMetadata> void scale(ServedResource<T> r, ApiRequest request, ApiResponse response, String ns, String name,
                                               String verb) {
        ResourceInfo scaleInfo = bodyInfo(r, r.info().subresource("scale").orElseThrow());
        boolean dryRun = dryRun(request);
        switch (verb) {
            case "get" -> response.json(200, r.registry().getScale(ns, name));
            case "update" -> {
                var decoded = BodyDecoder.decode(request.body(), request.header("content-type"), scaleInfo, Scale.class,
                        request.queryParam("fieldValidation"));
                response.json(200, ApiResponse.JSON, warnings(decoded.warnings()), r.registry().updateScale(ns, name, decoded.object(), dryRun));
            }
            case "patch" -> {
                String patchType = Patcher.patchType(request.header("content-type"));
                String fieldValidation = request.queryParam("fieldValidation");
                for (int attempt = 1; ; attempt++) {
                    Scale existing = r.registry().getScale(ns, name);
                    JsonNode patched = Patcher.apply(patchType, BodyDecoder.JSON.valueToTree(existing), request.body(), Scale.class,
                            fieldValidation);
                    var decoded = Patcher.decode(patchType, patched, request.body(), scaleInfo, Scale.class, fieldValidation);
                    try {
                        response.json(200, ApiResponse.JSON, warnings(decoded.warnings()),
                                r.registry().updateScale(ns, name, decoded.object(), dryRun));
                        return;
                    } catch (ApiException e) {
                        boolean namesVersion = !existing.getMetadata().getResourceVersion()
                                .equals(decoded.object().getMetadata().getResourceVersion());
                        if (namesVersion || !"Conflict".equals(e.reason()) || attempt == PATCH_ATTEMPTS) {
                            throw e;
                        }
                    }
                }
            }
            default -> throw ApiException.methodNotSupported(r.info().resource() + "/scale", request.method());
        }
    }

    private <T extends HasMetadata, B extends HasMetadata> void createSubresource(ServedResource<T> r, SubresourceCreate<B> create,
                                                                                  ResourceInfo bodyInfo, ApiRequest request,
                                                                                  ApiResponse response, String ns, String name) {
        boolean dryRun = dryRun(request);
        var decoded = BodyDecoder.decode(request.body(), request.header("content-type"), bodyInfo, create.bodyType(),
                request.queryParam("fieldValidation"), create.alsoAccepted());
        var answered = create.responder().create(ns, name, decoded.object(), dryRun);
        var warnings = new java.util.ArrayList<>(decoded.warnings());
        warnings.addAll(answered.warnings());
        HasMetadata answer = answered.object();
        if (answer != null) {
            answer.setApiVersion(bodyInfo.apiVersion());
            response.json(201, ApiResponse.JSON, warnings(warnings), answer);
            return;
        }
        ObjectNode status = BodyDecoder.JSON.createObjectNode().put("kind", "Status").put("apiVersion", "v1");
        status.putObject("metadata");
        status.put("status", "Success").put("code", 201);
        response.json(201, ApiResponse.JSON, warnings(warnings), status);
    }

    /** POST of a never-stored resource: 201 with the answer; every other verb 405, as upstream. */
    private void createReview(CreateOnlyResource<?> r, ApiRequest request, ApiResponse response) {
        if (!request.info().verb().equals("create")) {
            throw ApiException.methodNotSupported(r.info().resource(), request.method());
        }
        var decoded = BodyDecoder.decode(request.body(), request.header("content-type"), r.info(), r.type(),
                request.queryParam("fieldValidation"));
        HasMetadata answer = r.create(decoded.object(), request.user());
        answer.setApiVersion(r.info().apiVersion());
        response.json(201, ApiResponse.JSON, warnings(decoded.warnings()), answer);
    }

    /** GET of a never-stored, read-only resource (metrics.k8s.io): get or list, as JSON or a Table; other verbs 405. */
    private void serveReadOnly(ReadOnlyResource r, ApiRequest request, ApiResponse response) {
        var info = request.info();
        if (!info.subresource().isEmpty()) {
            throw ApiException.notFoundPath();
        }
        boolean namespaced = r.info().namespaced();
        String name = info.name();
        if (!namespaced && !info.namespace().isEmpty() || namespaced && info.namespace().isEmpty() && !name.isEmpty()) {
            throw ApiException.notFoundPath();
        }
        String namespace = namespaced && !info.namespace().isEmpty() ? info.namespace() : null;
        switch (info.verb()) {
            case "get" -> {
                HasMetadata object = r.reader().get(namespace, name);
                if (wantsTable(request)) {
                    response.json(200, TABLE, Map.of(), r.table().table(List.of(object), null, null, null,
                            request.queryParam("includeObject"), true));
                } else {
                    response.json(200, object);
                }
            }
            case "list" -> {
                LabelSelector labels = LabelSelector.parse(orEmpty(request.queryParam("labelSelector")));
                var fieldsOf = dev.skiff.api.selector.SelectableFields.metadataOnly(namespaced);
                FieldSelector fields = FieldSelector.parse(orEmpty(request.queryParam("fieldSelector")), fieldsOf);
                List<? extends HasMetadata> items = r.reader().list(namespace, labels).stream()
                        .filter(o -> fields.matches(fieldsOf.of(o))).toList();
                if (wantsTable(request)) {
                    response.json(200, TABLE, Map.of(), r.table().table(items, null, null, null, request.queryParam("includeObject"), true));
                } else {
                    response.json(200, new ListBody(r.info().kind() + "List", r.info().apiVersion(), null, null, null, items));
                }
            }
            default -> throw ApiException.methodNotSupported(r.info().resource(), request.method());
        }
    }

    // -- read

    private <T extends HasMetadata> void get(ServedResource<T> r, ApiRequest request, ApiResponse response, String ns, String name) {
        T object = r.registry().get(ns, name);
        if (wantsTable(request)) {
            response.json(200, TABLE, Map.of(), r.table().table(List.of(object), object.getMetadata().getResourceVersion(), null, null,
                    request.queryParam("includeObject"), true));
            return;
        }
        response.json(200, typed(r, object));
    }

    private <T extends HasMetadata> void list(ServedResource<T> r, ApiRequest request, ApiResponse response, String ns) {
        ListOptions options = listOptions(r, request);
        ListResult<T> result = r.registry().list(ns, options);
        if (wantsTable(request)) {
            response.json(200, TABLE, Map.of(), r.table().table(result.items(), result.resourceVersion(), result.continueToken(),
                    result.remainingItemCount(), request.queryParam("includeObject"), true));
            return;
        }
        response.json(200, listObject(r, result.items(), result.resourceVersion(), result.continueToken(), result.remainingItemCount()));
    }

    private <T extends HasMetadata> ListBody listObject(ServedResource<T> r, List<T> items, String rv, String cont, Long remaining) {
        return new ListBody(r.info().kind() + "List", r.info().apiVersion(), rv, cont, remaining,
                r.conversion() == null ? items : items.stream().map(r::toWire).toList());
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
                && fields.matches(r.selectableFields(r.type().cast(o)));
    }

    /** Most watch events sent in one write (one HTTP chunk or DATA frame run). */
    private static final int MAX_WATCH_EVENTS_PER_WRITE = 500;

    private <T extends HasMetadata> void watch(ServedResource<T> r, ApiRequest request, ApiResponse response, String ns) {
        Predicate<? super HasMetadata> predicate = predicate(r, request);
        WatchOptions options = new WatchOptions(request.queryParam("resourceVersion"), predicate,
                QueryBool.isTrue(request.queryParam("allowWatchBookmarks")),
                request.queryParam("sendInitialEvents") == null ? null : QueryBool.isTrue(request.queryParam("sendInitialEvents")));
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
        List<WatchEvent<T>> batch = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Math.max(0, timeoutSeconds));
        var queue = new LinkedBlockingQueue<WatchEvent<T>>();
        dev.skiff.registry.watch.WatchStream watch = null;
        try (ResponseStream stream = request.webSocketRequested() ? response.webSocket()
                : response.stream(200, table ? TABLE : ApiResponse.JSON, Map.of())) {
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
                WatchEvent<T> next = queue.poll(Math.min(remaining, Duration.ofSeconds(1).toNanos()), TimeUnit.NANOSECONDS);
                if (next == null) {
                    continue;
                }
                // everything already queued goes out in one write: under load this (virtual) thread waits
                // its turn for a carrier after every park, so a write per event falls behind a busy server
                batch.clear();
                batch.add(next);
                queue.drainTo(batch, MAX_WATCH_EVENTS_PER_WRITE - 1);
                List<byte[]> lines = new ArrayList<>(batch.size());
                boolean ended = false;
                for (WatchEvent<T> event : batch) {
                    byte[] object;
                    if (event.type() == WatchEvent.Type.ERROR) {
                        object = BodyDecoder.JSON.valueToTree(event.error().status()).toString().getBytes(StandardCharsets.UTF_8);
                    } else if (table && event.type() != WatchEvent.Type.BOOKMARK) {
                        object = r.table().table(List.of(event.object()), event.object().getMetadata().getResourceVersion(),
                                null, null, includeObject, first).toString().getBytes(StandardCharsets.UTF_8);
                        first = false;
                    } else if (event.encodings() != null) {
                        object = event.encodings().get(r.info().apiVersion(), () -> BodyDecoder.write(typed(r, event.object())));
                    } else {
                        object = BodyDecoder.write(typed(r, event.object()));
                    }
                    lines.add(watchLine(event.type(), object));
                    if (event.type() == WatchEvent.Type.ERROR) {
                        ended = true; // an error is the watch's last event
                        break;
                    }
                }
                if (!stream.writeMessages(lines) || ended) {
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
        var decoded = BodyDecoder.decode(request.body(), request.header("content-type"), r.info(), r.wireType(),
                request.queryParam("fieldValidation"));
        T object = r.toStorage(decoded.object());
        trackUpdate(r, request, null, object);
        T created = r.registry().create(ns, object, dryRun, request.admission());
        response.json(201, ApiResponse.JSON, warnings(decoded.warnings()), typed(r, created));
    }

    private <T extends HasMetadata> void update(ServedResource<T> r, GenericRegistry<T> registry, ApiRequest request,
                                                ApiResponse response, String ns, String name) {
        boolean dryRun = dryRun(request);
        var decoded = BodyDecoder.decode(request.body(), request.header("content-type"), r.info(), r.wireType(),
                request.queryParam("fieldValidation"));
        T object = r.toStorage(decoded.object());
        trackUpdate(r, request, getOrNull(r, ns, name), object);
        var result = registry.update(ns, name, object, dryRun, request.admission());
        response.json(result.created() ? 201 : 200, ApiResponse.JSON, warnings(decoded.warnings()), typed(r, result.object()));
    }

    /** JSON patch, merge patch or strategic merge patch ({@link Patcher}) on the current object, retried on conflicts. */
    private <T extends HasMetadata> void patch(ServedResource<T> r, GenericRegistry<T> registry, ApiRequest request,
                                               ApiResponse response, String ns, String name) {
        String patchType = Patcher.patchType(request.header("content-type"));
        if (patchType.equals(Patcher.APPLY_PATCH)) {
            serverSideApply(r, request, response, ns, name);
            return;
        }
        boolean dryRun = dryRun(request);
        String fieldValidation = request.queryParam("fieldValidation");
        for (int attempt = 1; ; attempt++) {
            T existing = registry.get(ns, name);
            JsonNode patched = Patcher.apply(patchType, BodyDecoder.JSON.valueToTree(typed(r, existing)), request.body(), r.wireType(),
                    fieldValidation);
            var decoded = Patcher.decode(patchType, patched, request.body(), r.info(), r.wireType(), fieldValidation);
            T object = r.toStorage(decoded.object());
            trackUpdate(r, request, existing, object);
            try {
                var result = registry.update(ns, name, object, dryRun, request.admission());
                response.json(200, ApiResponse.JSON, warnings(decoded.warnings()), typed(r, result.object()));
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
        boolean force = QueryBool.isTrue(request.queryParam("force"));
        Manager manager = new Manager(fieldManager, Manager.APPLY, applied.path("apiVersion").asText(), null);
        for (int attempt = 1; ; attempt++) {
            T existing = getOrNull(r, ns, name);
            JsonNode live = existing == null ? null : BodyDecoder.JSON.valueToTree(typed(r, existing));
            String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
            Apply.Result result = Apply.apply(live, applied, r.wireType(), manager, force, now);
            // fieldsV1 keys would read as unknown fields: the entries are set on the decoded object as built
            ((ObjectNode) result.object().get("metadata")).remove("managedFields");
            var decoded = BodyDecoder.decode(Json.write(result.object()), "application/json", r.info(), r.wireType(),
                    request.queryParam("fieldValidation"));
            T object = r.toStorage(decoded.object());
            object.getMetadata().setManagedFields(result.managedFields());
            try {
                if (existing == null) {
                    response.json(201, ApiResponse.JSON, warnings(decoded.warnings()), typed(r, r.registry().create(ns, object, dryRun, request.admission())));
                } else {
                    var updated = r.registry().update(ns, name, object, dryRun, request.admission());
                    response.json(200, ApiResponse.JSON, warnings(decoded.warnings()), typed(r, updated.object()));
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
        List<T> items = results.stream().map(DeleteResult::object).toList();
        response.json(200, listObject(r, items, null, null, null));
    }

    private DeleteOptions deleteOptions(ApiRequest request) {
        Long grace = null;
        String uid = null;
        String rv = null;
        String policy = request.queryParam("propagationPolicy");
        boolean dryRun = dryRun(request);
        Boolean orphan = request.queryParam("orphanDependents") == null ? null : QueryBool.isTrue(request.queryParam("orphanDependents"));
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

    private static final byte[][] WATCH_LINE_HEADS = java.util.Arrays.stream(WatchEvent.Type.values())
            .map(t -> ("{\"type\":\"" + t.name() + "\",\"object\":").getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);

    /** One line of a watch's stream: {@code {"type":"ADDED","object":...}} and a newline, around the encoded object. */
    private static byte[] watchLine(WatchEvent.Type type, byte[] object) {
        byte[] head = WATCH_LINE_HEADS[type.ordinal()];
        byte[] line = new byte[head.length + object.length + 2];
        System.arraycopy(head, 0, line, 0, head.length);
        System.arraycopy(object, 0, line, head.length, object.length);
        line[line.length - 2] = '}';
        line[line.length - 1] = '\n';
        return line;
    }

    private static <T extends HasMetadata> HasMetadata typed(ServedResource<T> r, T object) {
        return r.toWire(object);
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
        return dev.skiff.apiserver.endpoints.Warnings.headers(warnings);
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
