package dev.skiff.apiserver.http;

import dev.skiff.api.errors.ApiException;
import dev.skiff.apiserver.admission.AdmissionAttributes;
import dev.skiff.apiserver.admission.AdmissionChain;
import dev.skiff.apiserver.audit.AuditContext;
import dev.skiff.apiserver.audit.Auditor;
import dev.skiff.apiserver.authn.Credentials;
import dev.skiff.apiserver.authn.RequestAuthenticator;
import dev.skiff.apiserver.authn.UserInfo;
import dev.skiff.apiserver.authz.RequestAuthorizer;
import dev.skiff.apiserver.endpoints.ApiRequest;
import dev.skiff.apiserver.endpoints.ApiResponse;
import dev.skiff.apiserver.endpoints.Json;
import dev.skiff.apiserver.endpoints.ResponseStream;
import dev.skiff.apiserver.endpoints.Routes;
import dev.skiff.apiserver.endpoints.Warnings;
import dev.skiff.apiserver.request.MaxInFlightLimit;
import dev.skiff.apiserver.request.RequestInfo;
import dev.skiff.apiserver.request.RequestInfoResolver;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every request through the stages in kube-apiserver's order, one concern each: request info,
 * authentication (401), in-flight limits (429), authorization (403), body limit (413), route
 * (404), admission (mutating resource requests), handler. Runs on a virtual thread per request.
 * Every answer carries an Audit-Id; with an audit policy, the request is audited from authentication on.
 */
public final class RequestChain {
    private static final Logger log = LoggerFactory.getLogger(RequestChain.class);

    private final RequestAuthenticator authenticator;
    private final MaxInFlightLimit inFlight;
    private final RequestAuthorizer authorizer;
    private final AdmissionChain admission;
    private final Routes routes;
    private final long maxBodyBytes;
    private final byte[] caBundle;
    private final Auditor auditor;
    private final Clock clock;

    public RequestChain(RequestAuthenticator authenticator, MaxInFlightLimit inFlight, RequestAuthorizer authorizer,
                 AdmissionChain admission, Routes routes, long maxBodyBytes) {
        this(authenticator, inFlight, authorizer, admission, routes, maxBodyBytes, null);
    }

    /**
     * @param caBundle served without authentication at {@code GET /cacerts} (k3s's supervisor endpoint), so a joining
     *                 agent can fetch the cluster CA and check it against the hash its token carries; null: not served
     */
    public RequestChain(RequestAuthenticator authenticator, MaxInFlightLimit inFlight, RequestAuthorizer authorizer,
                 AdmissionChain admission, Routes routes, long maxBodyBytes, byte[] caBundle) {
        this(authenticator, inFlight, authorizer, admission, routes, maxBodyBytes, caBundle, null, Clock.systemUTC());
    }

    /** As above, every request audited as {@code auditor}'s policy says (null: no auditing). */
    public RequestChain(RequestAuthenticator authenticator, MaxInFlightLimit inFlight, RequestAuthorizer authorizer,
                 AdmissionChain admission, Routes routes, long maxBodyBytes, byte[] caBundle, Auditor auditor, Clock clock) {
        this.auditor = auditor;
        this.clock = clock;
        this.caBundle = caBundle;
        this.authenticator = authenticator;
        this.inFlight = inFlight;
        this.authorizer = authorizer;
        this.admission = admission;
        this.routes = routes;
        this.maxBodyBytes = maxBodyBytes;
    }

    void serve(Exchange exchange) {
        Instant received = auditor == null ? null : clock.instant();
        String auditId = Auditor.auditId(exchange.header(Auditor.AUDIT_ID_HEADER));
        RequestInfo info = RequestInfoResolver.resolve(exchange.method(), exchange.path(), exchange.query());
        var warnings = new Warnings();
        var response = new AuditedResponse(exchange, warnings, auditId);
        if (caBundle != null && exchange.path().equals("/cacerts") && exchange.method().equals("GET")) {
            response.send(200, "text/plain; charset=utf-8", Map.of(), caBundle);
            return;
        }
        UserInfo user;
        try {
            user = authenticator.authenticate(new Credentials(exchange.peerCertificates(), exchange.header("authorization")));
        } catch (ApiException e) {
            if (auditor != null && e.code() == 401) {
                auditor.failedAuthentication(auditId, info, exchange.requestUri(), sourceIps(exchange), userAgent(exchange), received,
                        authenticationMethods(exchange));
            }
            fail(exchange, response, e, info, null);
            return;
        } catch (Exception e) {
            log.error("authentication failed verb={} path={}", info.verb(), info.path(), e);
            fail(exchange, response, ApiException.internal(String.valueOf(e.getMessage())), info, null);
            return;
        }
        AuditContext audit = auditor == null ? null
                : auditor.begin(auditId, info, user, exchange.requestUri(), sourceIps(exchange), userAgent(exchange), received);
        response.audit = audit;
        Auditor.runWith(audit, () -> handle(exchange, info, user, warnings, response, audit));
    }

    /** Everything after authentication, with the request's audit context (null: not audited) current for annotations. */
    private void handle(Exchange exchange, RequestInfo info, UserInfo user, Warnings warnings, ApiResponse response, AuditContext audit) {
        boolean panicked = false;
        try (var permit = inFlight.acquire(info, user)) {
            authorizer.authorize(user, info);
            // a WebSocket handshake (a watch, or exec/attach/portforward the API server ends itself) is left
            // unread: it has no body, and Vert.x reads the request to its end when switching protocols
            byte[] body = exchange.webSocketRequested() ? new byte[0] : exchange.readBody(maxBodyBytes);
            var handler = routes.match(exchange.path()).orElseThrow(ApiException::notFoundPath);
            var headers = exchange.headers();
            if (audit != null) {
                audit.requestBody(exchange.header("content-type"), body);
            }
            if (info.resourceRequest() && info.mutating()) {
                String contentType = exchange.header("content-type");
                var admitted = admission.admit(new AdmissionAttributes(user, info, contentType, body, warnings));
                body = admitted.body();
                if (admitted.contentType() != null && !admitted.contentType().equals(contentType)) {
                    // a mutating plugin re-encoded the body (as JSON)
                    headers = new java.util.HashMap<>(headers);
                    headers.put("content-type", List.of(admitted.contentType()));
                }
            }
            handler.handle(new ApiRequest(info, user, exchange.method(), exchange.path(), exchange.query(),
                    headers, body, admission.forObjects(user, info, warnings)), response);
        } catch (ApiException e) {
            fail(exchange, response, e, info, user);
        } catch (Exception e) {
            log.error("request failed verb={} path={} user={}", info.verb(), info.path(), user.name(), e);
            if (audit != null) {
                panicked = true;
                audit.panic(String.valueOf(e.getMessage()));
            }
            fail(exchange, response, ApiException.internal(String.valueOf(e.getMessage())), info, user);
        } finally {
            if (audit != null && !panicked) {
                audit.responseComplete();
            }
        }
    }

    /** Upstream's sourceIPs: X-Forwarded-For's addresses, then X-Real-Ip's, then the peer's, each once. */
    private static List<String> sourceIps(Exchange exchange) {
        var ips = new java.util.LinkedHashSet<String>();
        String forwarded = exchange.header("x-forwarded-for");
        if (forwarded != null) {
            for (String ip : forwarded.split(",")) {
                if (!ip.isBlank()) {
                    ips.add(ip.strip());
                }
            }
        }
        String realIp = exchange.header("x-real-ip");
        if (realIp != null && !realIp.isBlank()) {
            ips.add(realIp.strip());
        }
        if (!exchange.remoteAddress().isEmpty()) {
            ips.add(exchange.remoteAddress());
        }
        return List.copyOf(ips);
    }

    private static String userAgent(Exchange exchange) {
        String agent = exchange.header("user-agent");
        return agent == null ? "" : agent;
    }

    /** The failed-authentication event's message, naming the credentials the client offered, as upstream. */
    private static String authenticationMethods(Exchange exchange) {
        var methods = new java.util.ArrayList<String>();
        String authorization = exchange.header("authorization");
        String[] parts = authorization == null ? new String[0] : authorization.strip().split(" ");
        if (parts.length > 1 && parts[0].equalsIgnoreCase("basic")) {
            methods.add("basic");
        }
        if (parts.length > 1 && parts[0].equalsIgnoreCase("bearer")) {
            methods.add("bearer");
        }
        if (!exchange.peerCertificates().isEmpty()) {
            methods.add("x509");
        }
        return methods.isEmpty() ? "Authentication failed, no credentials provided"
                : "Authentication failed, attempted: " + String.join(", ", methods);
    }

    /**
     * The exchange answering with the request's warnings as Warning headers, after any the handler sends itself, and
     * the Audit-Id header; telling the request's audit context (when audited) what was answered.
     */
    private static final class AuditedResponse implements ApiResponse {
        private final Exchange exchange;
        private final Warnings warnings;
        private final String auditId;
        volatile AuditContext audit;

        AuditedResponse(Exchange exchange, Warnings warnings, String auditId) {
            this.exchange = exchange;
            this.warnings = warnings;
            this.auditId = auditId;
        }

        private Map<String, String> headers(Map<String, String> headers) {
            var all = new java.util.HashMap<>(warnings.addTo(headers));
            all.put(Auditor.AUDIT_ID_HEADER, auditId);
            return all;
        }

        @Override
        public void send(int status, String contentType, Map<String, String> headers, byte[] body) {
            var context = audit;
            if (context != null) {
                context.response(status, contentType, body);
                context.answered();
            }
            exchange.send(status, contentType, headers(headers), body);
        }

        /** A success the audit does not record the body of goes to the transport as an object (it may stream it). */
        @Override
        public void json(int status, String contentType, Map<String, String> headers, Object value) {
            var context = audit;
            if (status >= 300 || context != null && context.recordsResponseBody()) {
                send(status, contentType, headers, Json.write(value));
                return;
            }
            if (context != null) {
                context.response(status, contentType, null);
                context.answered();
            }
            exchange.json(status, contentType, headers(headers), value);
        }

        @Override
        public ResponseStream stream(int status, String contentType, Map<String, String> headers) {
            var stream = exchange.stream(status, contentType, headers(headers));
            var context = audit;
            if (context != null) {
                context.responseStarted(status);
            }
            return stream;
        }

        @Override
        public ResponseStream webSocket() {
            var socket = exchange.webSocket();
            var context = audit;
            if (context != null) {
                context.responseStarted(101);
            }
            return socket;
        }

        @Override
        public void proxy(java.net.URI location, byte[] body, java.util.function.BiFunction<Integer, String, ApiException> errors) {
            var context = audit;
            boolean upgrade = exchange.header("upgrade") != null;
            if (context != null && upgrade) {
                context.responseStarted(101); // exec, attach, port-forward: the stream begins with the switch of protocols
            }
            exchange.responseHeader(Auditor.AUDIT_ID_HEADER, auditId); // the backend's answer goes out as it came, plus this
            exchange.proxy(location, body, errors); // returns once the backend's answer has begun to flow
            if (context != null && !upgrade) {
                context.responseStarted(exchange.responseStatus()); // e.g. pods/log: a long-running request, its stream has begun
            }
        }

        @Override
        public void translateStreams(java.net.URI location, dev.skiff.apiserver.proxy.StreamOptions options) {
            exchange.translateStreams(location, options);
            upgraded();
        }

        @Override
        public void tunnelStreams(java.net.URI location) {
            exchange.tunnelStreams(location);
            upgraded();
        }

        /** exec, attach or port-forward over a WebSocket the API server ended: the stream began with the switch of protocols. */
        private void upgraded() {
            var context = audit;
            if (context != null) {
                context.responseStarted(101);
            }
        }
    }

    private static void fail(Exchange exchange, ApiResponse response, ApiException e, RequestInfo info, UserInfo user) {
        if (exchange.responded()) {
            log.warn("request failed after its response started verb={} path={} code={} message=\"{}\"",
                    info.verb(), info.path(), e.code(), e.getMessage());
            return;
        }
        // a Status that suggests a delay says so in Retry-After too, as upstream's ErrorNegotiated; the
        // max-in-flight limit's bare 429 always suggests its own
        var details = e.status().getDetails();
        Integer retryAfter = details != null && details.getRetryAfterSeconds() != null ? details.getRetryAfterSeconds()
                : e.code() == 429 ? Integer.valueOf(MaxInFlightLimit.RETRY_AFTER_SECONDS) : null;
        var headers = retryAfter != null && retryAfter > 0
                ? Map.of("Retry-After", String.valueOf(retryAfter))
                : Map.<String, String>of();
        response.send(e.code(), ApiResponse.JSON, headers, Json.write(e.status()));
    }
}
