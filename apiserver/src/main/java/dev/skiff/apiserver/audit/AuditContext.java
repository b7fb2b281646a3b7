package dev.skiff.apiserver.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.apiserver.request.RequestInfo;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One audited request's event as it grows (upstream's audit.AuditContext): created once the user
 * is known, for requests the policy audits at Metadata or more; the request chain reports the body,
 * the response and the end, admission plugins add annotations through {@link Auditor#addAnnotation}.
 * Each stage not omitted becomes one line. Owned by the request's thread; annotations may come from
 * others and are guarded.
 */
public final class AuditContext {
    private final Auditor auditor;
    private final Level level;
    private final Set<Stage> omitStages;
    private final boolean omitManagedFields;
    private final String auditId;
    private final RequestInfo info;
    private final String requestUri;
    private final Event.User user;
    private final List<String> sourceIps;
    private final String userAgent;
    private final Instant received;
    private final Map<String, String> annotations = new LinkedHashMap<>();
    private Event.ObjectReference objectRef;
    private JsonNode requestObject;
    private JsonNode responseObject;
    private ObjectNode responseStatus;

    AuditContext(Auditor auditor, PolicyRuleEvaluator.RequestAuditConfig config, String auditId, RequestInfo info, String requestUri,
                 Event.User user, List<String> sourceIps, String userAgent, Instant received) {
        this.auditor = auditor;
        this.level = config.level();
        this.omitStages = config.omitStages();
        this.omitManagedFields = config.omitManagedFields();
        this.auditId = auditId;
        this.info = info;
        this.requestUri = requestUri;
        this.user = user;
        this.sourceIps = sourceIps;
        this.userAgent = userAgent;
        this.received = received;
        this.objectRef = info.resourceRequest() ? new Event.ObjectReference(info.resource(), info.namespace(), info.name(), "",
                info.apiGroup(), info.apiVersion(), "", info.subresource()) : null;
    }

    public Level level() {
        return level;
    }

    public String auditId() {
        return auditId;
    }

    public synchronized void addAnnotation(String key, String value) {
        annotations.putIfAbsent(key, value);
    }

    /** Emits RequestReceived (unless omitted). */
    public void requestReceived() {
        emit(Stage.RequestReceived);
    }

    /**
     * The request's body as sent: its metadata completes the object reference (name on create, uid and
     * resourceVersion), and at level Request and more it is the event's requestObject. Only JSON and YAML
     * bodies are read; a protobuf body is not recorded.
     */
    public void requestBody(String contentType, byte[] body) {
        if (body == null || body.length == 0 || !info.resourceRequest()) {
            return;
        }
        JsonNode object = auditor.decode(contentType, body);
        if (object == null) {
            return;
        }
        JsonNode meta = object.path("metadata");
        if (meta.isObject() && objectRef != null) {
            var r = objectRef;
            objectRef = new Event.ObjectReference(r.resource(), or(r.namespace(), meta.path("namespace").asText("")),
                    or(r.name(), meta.path("name").asText("")), or(r.uid(), meta.path("uid").asText("")), r.apiGroup(), r.apiVersion(),
                    or(r.resourceVersion(), meta.path("resourceVersion").asText("")), r.subresource());
        }
        if (!level.less(Level.Request)) {
            requestObject = omitManagedFields ? withoutManagedFields(object) : object;
        }
    }

    /**
     * The response's status and body: a failure's Status becomes the event's responseStatus, any other
     * answer's is its code alone; at RequestResponse the JSON body is the event's responseObject.
     */
    public void response(int code, String contentType, byte[] body) {
        boolean json = contentType != null && contentType.startsWith("application/json");
        boolean wantBody = recordsResponseBody() && json && body != null && body.length > 0;
        JsonNode decoded = json && body != null && body.length > 0 && (code >= 300 || wantBody) ? auditor.decode(contentType, body) : null;
        if (decoded != null && code >= 300 && "Status".equals(decoded.path("kind").asText())) {
            responseStatus = status(code, decoded);
        } else {
            responseStatus = status(code, null);
        }
        if (wantBody && decoded != null) {
            responseObject = omitManagedFields ? withoutManagedFields(decoded) : decoded;
        }
    }

    /** Whether the event records the response's body (level RequestResponse). */
    public boolean recordsResponseBody() {
        return level == Level.RequestResponse;
    }

    /** A long-running request's response began (a watch's or a stream's headers went out): emits ResponseStarted. */
    public void responseStarted(int code) {
        responseStatus = status(code, null);
        started();
    }

    /**
     * A long-running request's whole answer was given at once (e.g. a watch or pods/log refused with a
     * Status): emits ResponseStarted with what {@link #response} recorded, as upstream's writer does on
     * any first header of a long-running request.
     */
    public void answered() {
        started();
    }

    private void started() {
        if (info.longRunning()) {
            emit(Stage.ResponseStarted);
        }
    }

    /** Emits ResponseComplete. */
    public void responseComplete() {
        emit(Stage.ResponseComplete);
    }

    /** The handler failed unexpectedly: emits Panic with a 500 Status (upstream: the handler panicked). */
    public void panic(String message) {
        var status = status(500, null);
        status.put("status", "Failure");
        status.put("message", "APIServer panic'd: " + message);
        status.put("reason", "InternalError");
        responseStatus = status;
        emit(Stage.Panic);
    }

    private ObjectNode status(int code, JsonNode failure) {
        ObjectNode status = auditor.json().createObjectNode();
        status.putObject("metadata");
        if (failure != null) {
            for (String field : List.of("status", "message", "reason", "details")) {
                if (failure.hasNonNull(field)) {
                    status.set(field, failure.get(field));
                }
            }
        }
        status.put("code", code);
        return status;
    }

    private JsonNode withoutManagedFields(JsonNode object) {
        if (!object.isObject()) {
            return object;
        }
        ObjectNode copy = object.deepCopy();
        if (copy.path("metadata") instanceof ObjectNode meta) {
            meta.remove("managedFields");
        }
        if (copy.path("items").isArray()) {
            copy.path("items").forEach(item -> {
                if (item.path("metadata") instanceof ObjectNode meta) {
                    meta.remove("managedFields");
                }
            });
        }
        return copy;
    }

    private void emit(Stage stage) {
        if (omitStages.contains(stage)) {
            return;
        }
        Map<String, String> notes;
        synchronized (this) {
            notes = annotations.isEmpty() ? Map.of() : new LinkedHashMap<>(annotations);
        }
        boolean complete = stage == Stage.ResponseComplete || stage == Stage.Panic;
        auditor.process(new Event(Event.KIND, Event.API_VERSION, level, auditId, stage, requestUri, info.verb(), user, null,
                sourceIps, userAgent, objectRef, stage == Stage.RequestReceived ? null : responseStatus,
                complete ? requestObject : null, complete ? responseObject : null,
                Auditor.timestamp(received), Auditor.timestamp(auditor.now()), notes), received);
    }

    private static String or(String first, String second) {
        return first == null || first.isEmpty() ? second : first;
    }
}
