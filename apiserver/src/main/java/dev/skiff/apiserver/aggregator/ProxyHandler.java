package dev.skiff.apiserver.aggregator;

import dev.skiff.api.errors.ApiException;
import dev.skiff.api.resource.GroupVersion;
import dev.skiff.apiserver.authn.UserInfo;
import dev.skiff.apiserver.endpoints.ApiHandler;
import dev.skiff.apiserver.endpoints.ApiRequest;
import dev.skiff.apiserver.endpoints.ApiResponse;
import dev.skiff.apiserver.endpoints.ResponseStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The aggregator's proxy (upstream: kube-aggregator's proxyHandler): a request under
 * {@code /apis/<group>/<version>} of an APIService with a service goes to a ready endpoint of that
 * service over TLS, shown the front proxy's client certificate, with the caller's identity in
 * X-Remote-User / X-Remote-Group / X-Remote-Extra-* instead of its credentials; the answer streams
 * back as it comes (watches too). Any other path goes to {@code local}. An unavailable APIService
 * answers 503 as upstream.
 */
public final class ProxyHandler implements ApiHandler {
    /** Who the aggregator's own discovery checks are made as (upstream: system:kube-aggregator). */
    static final UserInfo LOOPBACK_USER = new UserInfo("system:kube-aggregator", List.of("system:masters"));
    /** Request headers passed on; credentials and hop-by-hop headers are not. */
    private static final Set<String> PASSED_REQUEST_HEADERS = Set.of("accept", "content-type", "user-agent", "audit-id");
    private static final Set<String> PASSED_RESPONSE_HEADERS = Set.of("warning", "audit-id");

    private final java.util.function.Supplier<Aggregator> aggregator;
    private final ApiHandler local;

    /** {@code aggregator}: null until the server is up (its PKI holds the proxy's client certificate), and then all is local. */
    public ProxyHandler(java.util.function.Supplier<Aggregator> aggregator, ApiHandler local) {
        this.aggregator = aggregator;
        this.local = local;
    }

    @Override
    public void handle(ApiRequest request, ApiResponse response) throws Exception {
        List<String> segments = Arrays.stream(request.path().split("/")).filter(s -> !s.isEmpty()).toList();
        Aggregator aggregator = this.aggregator.get();
        Aggregator.Remote remote = aggregator != null && segments.size() >= 3 && segments.getFirst().equals("apis")
                ? aggregator.remote(new GroupVersion(segments.get(1), segments.get(2))) : null;
        if (remote == null) {
            local.handle(request, response);
            return;
        }
        if (!remote.available()) {
            throw ApiException.serviceUnavailable("service unavailable");
        }
        Aggregator.Target target = aggregator.resolve(remote.service());
        if (target.problem() != null) {
            throw ApiException.serviceUnavailable("service unavailable");
        }
        URI uri = URI.create(target.base() + request.path() + query(request.query()));
        var builder = HttpRequest.newBuilder(uri).method(request.method(), request.body().length == 0
                ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(request.body()));
        request.headers().forEach((name, values) -> {
            if (PASSED_REQUEST_HEADERS.contains(name)) {
                values.forEach(v -> builder.header(name, v));
            }
        });
        Aggregator.withUser(builder, request.user());
        HttpResponse<InputStream> answer;
        try {
            answer = remote.client().send(builder.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw ApiException.serviceUnavailable("error trying to reach service: " + e.getMessage());
        }
        Map<String, String> headers = new LinkedHashMap<>();
        answer.headers().map().forEach((name, values) -> {
            if (PASSED_RESPONSE_HEADERS.contains(name.toLowerCase(java.util.Locale.ROOT)) && !values.isEmpty()) {
                headers.put(name, values.getFirst());
            }
        });
        String contentType = answer.headers().firstValue("content-type").orElse(ApiResponse.JSON);
        try (InputStream body = answer.body(); ResponseStream out = response.stream(answer.statusCode(), contentType, headers)) {
            byte[] buffer = new byte[16 * 1024];
            for (int n; (n = body.read(buffer)) >= 0; ) {
                if (n > 0 && !out.write(Arrays.copyOf(buffer, n))) {
                    break; // the client left
                }
            }
        }
    }

    /** The query re-encoded, parameters sorted by name (the transport hands them over decoded, in no order). */
    static String query(Map<String, List<String>> query) {
        if (query.isEmpty()) {
            return "";
        }
        var out = new StringBuilder();
        new java.util.TreeMap<>(query).forEach((name, values) -> values.forEach(v -> out.append(out.isEmpty() ? '?' : '&')
                .append(URLEncoder.encode(name, StandardCharsets.UTF_8)).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8))));
        return out.toString();
    }
}
