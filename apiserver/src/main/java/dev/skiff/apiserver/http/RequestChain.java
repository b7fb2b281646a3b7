package dev.skiff.apiserver.http;

import dev.skiff.api.errors.ApiException;
import dev.skiff.apiserver.admission.AdmissionAttributes;
import dev.skiff.apiserver.admission.AdmissionChain;
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
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every request through the stages in kube-apiserver's order, one concern each: request info,
 * authentication (401), in-flight limits (429), authorization (403), body limit (413), route
 * (404), admission (mutating resource requests), handler. Runs on a virtual thread per request.
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
        this.caBundle = caBundle;
        this.authenticator = authenticator;
        this.inFlight = inFlight;
        this.authorizer = authorizer;
        this.admission = admission;
        this.routes = routes;
        this.maxBodyBytes = maxBodyBytes;
    }

    void serve(Exchange exchange) {
        RequestInfo info = RequestInfoResolver.resolve(exchange.method(), exchange.path(), exchange.query());
        UserInfo user = null;
        var warnings = new Warnings();
        ApiResponse response = warned(exchange, warnings);
        if (caBundle != null && exchange.path().equals("/cacerts") && exchange.method().equals("GET")) {
            exchange.send(200, "text/plain; charset=utf-8", Map.of(), caBundle);
            return;
        }
        try {
            user = authenticator.authenticate(new Credentials(exchange.peerCertificates(), exchange.header("authorization")));
            try (var permit = inFlight.acquire(info, user)) {
                authorizer.authorize(user, info);
                // a WebSocket handshake (a watch, or exec/attach/portforward the API server ends itself) is left
                // unread: it has no body, and Vert.x reads the request to its end when switching protocols
                byte[] body = exchange.webSocketRequested() ? new byte[0] : exchange.readBody(maxBodyBytes);
                var handler = routes.match(exchange.path()).orElseThrow(ApiException::notFoundPath);
                var headers = exchange.headers();
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
            }
        } catch (ApiException e) {
            fail(exchange, response, e, info, user);
        } catch (Exception e) {
            log.error("request failed verb={} path={} user={}", info.verb(), info.path(), user == null ? "" : user.name(), e);
            fail(exchange, response, ApiException.internal(String.valueOf(e.getMessage())), info, user);
        }
    }

    /** The exchange answering with the request's warnings as Warning headers, after any the handler sends itself. */
    private static ApiResponse warned(Exchange exchange, Warnings warnings) {
        return new ApiResponse() {
            @Override
            public void send(int status, String contentType, Map<String, String> headers, byte[] body) {
                exchange.send(status, contentType, warnings.addTo(headers), body);
            }

            @Override
            public ResponseStream stream(int status, String contentType, Map<String, String> headers) {
                return exchange.stream(status, contentType, warnings.addTo(headers));
            }

            @Override
            public ResponseStream webSocket() {
                return exchange.webSocket();
            }

            @Override
            public void proxy(java.net.URI location, byte[] body, java.util.function.BiFunction<Integer, String, ApiException> errors) {
                exchange.proxy(location, body, errors);
            }

            @Override
            public void translateStreams(java.net.URI location, dev.skiff.apiserver.proxy.StreamOptions options) {
                exchange.translateStreams(location, options);
            }

            @Override
            public void tunnelStreams(java.net.URI location) {
                exchange.tunnelStreams(location);
            }
        };
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
