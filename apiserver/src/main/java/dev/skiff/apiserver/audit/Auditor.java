package dev.skiff.apiserver.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.skiff.apiserver.authn.UserInfo;
import dev.skiff.apiserver.request.RequestInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API server's auditing (upstream's WithAuditInit, WithAudit and WithFailedAuthenticationAudit
 * filters over a policy checker and the log backend). Absent (null) when no policy is configured,
 * so an unaudited server pays nothing per request but the audit ID. Per audited request it makes an
 * {@link AuditContext}; the context's events are serialized on the request's thread and written by
 * the backend's single writer.
 */
public final class Auditor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Auditor.class);
    /** The header carrying the audit ID: taken from the request when the client sent one, always sent back. */
    public static final String AUDIT_ID_HEADER = "Audit-Id";
    /** Upstream truncates a client's audit ID to this many characters. */
    static final int MAX_AUDIT_ID_LENGTH = 64;
    /** The annotations the authorization stage adds (upstream's authorization filter). */
    public static final String DECISION_ANNOTATION = "authorization.k8s.io/decision";
    public static final String REASON_ANNOTATION = "authorization.k8s.io/reason";
    private static final DateTimeFormatter MICRO_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);
    /** The audit context of the request this (virtual, per-request) thread serves; upstream carries it in the request's context. */
    private static final ThreadLocal<AuditContext> CURRENT = new ThreadLocal<>();

    private final PolicyRuleEvaluator evaluator;
    private final LogBackend backend;
    private final Clock clock;
    private final boolean legacy;
    private final ObjectMapper json = new ObjectMapper();
    private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory());

    Auditor(Policy policy, LogBackend backend, Clock clock, boolean legacy) {
        this.legacy = legacy;
        this.evaluator = new PolicyRuleEvaluator(policy);
        this.backend = backend;
        this.clock = clock;
    }

    /**
     * The auditor {@code options} ask for, its log file created (directories 0700, file 0600); null when auditing is
     * off (no policy, or nowhere to write). Throws when the log file cannot be created.
     */
    public static Auditor start(AuditOptions options, Clock clock) {
        if (!options.enabled()) {
            return null;
        }
        LogBackend.Sink sink;
        String target = options.logPath();
        if (target.equals("-")) {
            sink = LogBackend.Sink.of(System.out);
        } else {
            long maxBytes = (options.maxSizeMb() == 0 ? AuditOptions.DEFAULT_MAX_SIZE_MB : options.maxSizeMb()) * 1024L * 1024L;
            var file = new RotatingFile(Path.of(target), maxBytes, options.maxBackups(), Duration.ofDays(options.maxAgeDays()), clock);
            try {
                file.ensure();
            } catch (IOException e) {
                // as kube-apiserver, which creates the file before serving: a log that cannot be had is a start error
                throw new IllegalStateException("ensureLogFile: " + target + ": " + e.getMessage(), e);
            }
            sink = file;
        }
        log.info("audit log enabled path={} format={} rules={} maxsize={}MB maxbackup={} maxage={}d", target, options.format(), options.policy().rules().size(),
                options.maxSizeMb(), options.maxBackups(), options.maxAgeDays());
        return new Auditor(options.policy(), new LogBackend(sink, target), clock, options.format().equals(AuditOptions.LEGACY));
    }

    /** The client's Audit-ID (truncated as upstream) or a new UUID. */
    public static String auditId(String fromClient) {
        if (fromClient == null || fromClient.isBlank()) {
            return UUID.randomUUID().toString();
        }
        return fromClient.length() > MAX_AUDIT_ID_LENGTH ? fromClient.substring(0, MAX_AUDIT_ID_LENGTH) : fromClient;
    }

    /**
     * An authenticated request's audit context, its RequestReceived event emitted; null when the policy
     * audits it at level None.
     */
    public AuditContext begin(String auditId, RequestInfo info, UserInfo user, String requestUri, List<String> sourceIps,
                              String userAgent, Instant received) {
        var config = evaluator.evaluate(user, info);
        if (config.level() == Level.None) {
            return null;
        }
        var context = new AuditContext(this, config, auditId, info, requestUri, user(user), sourceIps, userAgent, received);
        context.requestReceived();
        return context;
    }

    /**
     * A request whose authentication failed (upstream's failed-authentication audit): one ResponseStarted
     * event with no user, the 401 and the authentication methods tried, at the level the policy gives a
     * request without a user.
     */
    public void failedAuthentication(String auditId, RequestInfo info, String requestUri, List<String> sourceIps, String userAgent,
                                     Instant received, String methodsTried) {
        var config = evaluator.evaluate(null, info);
        if (config.level() == Level.None || config.omitStages().contains(Stage.ResponseStarted)) {
            return;
        }
        var status = json.createObjectNode();
        status.putObject("metadata");
        status.put("message", methodsTried);
        status.put("code", 401);
        Event.ObjectReference ref = info.resourceRequest() ? new Event.ObjectReference(info.resource(), info.namespace(), info.name(),
                "", info.apiGroup(), info.apiVersion(), "", info.subresource()) : null;
        process(new Event(Event.KIND, Event.API_VERSION, config.level(), auditId, Stage.ResponseStarted, requestUri, info.verb(),
                Event.User.NONE, null, sourceIps, userAgent, ref, status, null, null, timestamp(received), timestamp(now()),
                java.util.Map.of()), received);
    }

    /** Runs {@code work} with {@code context} as the current request's (null: unaudited), for {@link #addAnnotation}. */
    public static void runWith(AuditContext context, Runnable work) {
        if (context == null) {
            work.run();
            return;
        }
        CURRENT.set(context);
        try {
            work.run();
        } finally {
            CURRENT.remove();
        }
    }

    /**
     * Adds an annotation to the event of the request this thread serves (upstream's audit.AddAuditAnnotation,
     * e.g. an admission plugin's); nothing when the request is not audited.
     */
    public static void addAnnotation(String key, String value) {
        var context = CURRENT.get();
        if (context != null) {
            context.addAnnotation(key, value);
        }
    }

    /** True when the request this thread serves is audited: work done only for its event can be skipped otherwise. */
    public static boolean recording() {
        return CURRENT.get() != null;
    }

    void process(Event event, Instant received) {
        if (legacy) {
            backend.process(LegacyFormat.line(event, received).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return;
        }
        byte[] line;
        try {
            line = json.writeValueAsBytes(event);
        } catch (JsonProcessingException e) {
            log.error("encoding an audit event failed auditID={} stage={}", event.auditID(), event.stage(), e);
            return;
        }
        backend.process(line);
    }

    /** A JSON or YAML body as a tree; null for anything else (protobuf) or what does not parse. */
    JsonNode decode(String contentType, byte[] body) {
        String type = contentType == null ? "application/json" : contentType;
        try {
            if (type.startsWith("application/json") || type.startsWith("application/merge-patch+json")
                    || type.startsWith("application/strategic-merge-patch+json") || type.startsWith("application/json-patch+json")
                    || type.startsWith("application/apply-patch")) {
                return type.startsWith("application/apply-patch+yaml") ? yaml.readTree(body) : json.readTree(body);
            }
            if (type.startsWith("application/yaml")) {
                return yaml.readTree(body);
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    ObjectMapper json() {
        return json;
    }

    Instant now() {
        return clock.instant();
    }

    static String timestamp(Instant instant) {
        return MICRO_TIME.format(instant);
    }

    private static Event.User user(UserInfo user) {
        return new Event.User(user.name(), user.uid(), user.groups(), user.extra());
    }

    /** Writes what is queued and stops the writer. */
    @Override
    public void close() {
        backend.close();
    }
}
