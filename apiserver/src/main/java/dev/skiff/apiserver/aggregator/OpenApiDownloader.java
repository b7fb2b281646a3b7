package dev.skiff.apiserver.aggregator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.api.resource.GroupVersion;
import dev.skiff.apiserver.authn.UserInfo;
import dev.skiff.apiserver.openapi.AggregatedSpec;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * kube-aggregator's OpenAPI downloaders (v2 and v3) for one extension API server: {@code /openapi/v2},
 * then the {@code /openapi/v3} index and, when it lists {@code apis/<group>/<version>}, that document.
 * Requests go as the user {@code system:aggregator} (upstream's name for these downloads) through the
 * APIService's TLS client with the front-proxy certificate, revalidated with the last ETag
 * ({@code If-None-Match}). A 404 means the server publishes no such document (not an error); any other
 * failure keeps what the last download found, as upstream keeps its last successful spec. The spec handed
 * out is the previous instance as long as the bytes are the same, so unchanged downloads rebuild nothing.
 */
final class OpenApiDownloader {
    private static final Logger log = LoggerFactory.getLogger(OpenApiDownloader.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    static final UserInfo AGGREGATOR_USER = new UserInfo("system:aggregator", List.of());
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** A document as last fetched: its bytes (null: the server has none) and ETag (null: it sent none). */
    record Fetched(byte[] body, String etag) {
        static final Fetched NONE = new Fetched(null, null);
    }

    /** What the last download found of one APIService's backend, and the spec it made of it. */
    record Download(AggregatedSpec spec, Fetched v2, Fetched v3) {
        static Download none(GroupVersion gv) {
            return new Download(new AggregatedSpec(gv, null, null), Fetched.NONE, Fetched.NONE);
        }
    }

    private final String apiService;
    private final HttpClient client;
    private final URI base;
    private final GroupVersion groupVersion;

    OpenApiDownloader(String apiService, HttpClient client, URI base, GroupVersion groupVersion) {
        this.apiService = apiService;
        this.client = client;
        this.base = base;
        this.groupVersion = groupVersion;
    }

    /** Downloads again, revalidating {@code previous} (null the first time). */
    Download download(Download previous) throws InterruptedException {
        Download last = previous == null ? Download.none(groupVersion) : previous;
        Fetched v2 = Objects.requireNonNullElse(fetch("/openapi/v2", last.v2()), last.v2());
        Fetched v3 = last.v3();
        String key = groupVersion.path().substring(1);
        Fetched index = fetch("/openapi/v3", Fetched.NONE);
        if (index != null) {
            if (index.body() != null && listed(index.body(), key)) {
                v3 = Objects.requireNonNullElse(fetch("/openapi/v3/" + key, last.v3()), last.v3());
            } else {
                log.debug("apiservice={} lists no {} in its /openapi/v3", apiService, key);
                v3 = Fetched.NONE;
            }
        }
        if (Arrays.equals(v2.body(), last.v2().body()) && Arrays.equals(v3.body(), last.v3().body())) {
            return new Download(last.spec(), v2, v3);
        }
        JsonNode swagger = null;
        if (v2.body() != null) {
            try {
                swagger = MAPPER.readTree(v2.body());
            } catch (IOException e) {
                log.warn("apiservice={} answered /openapi/v2 with malformed JSON: {}; keeping its last document", apiService, e.getMessage());
                v2 = last.v2();
                swagger = last.spec().v2();
            }
        }
        return new Download(new AggregatedSpec(groupVersion, swagger, v3.body()), v2, v3);
    }

    private boolean listed(byte[] index, String key) {
        try {
            return MAPPER.readTree(index).path("paths").has(key);
        } catch (IOException e) {
            log.warn("apiservice={} answered /openapi/v3 with malformed JSON: {}", apiService, e.getMessage());
            return false;
        }
    }

    /**
     * GET {@code path}: what the server answered (200), {@code last} when it still has that (304),
     * {@link Fetched#NONE} when it has nothing there (404); null when the request failed otherwise.
     */
    private Fetched fetch(String path, Fetched last) throws InterruptedException {
        URI uri = base.resolve(path);
        var request = Aggregator.withUser(HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET(), AGGREGATOR_USER)
                .header("Accept", "application/json");
        if (last.etag() != null && last.body() != null) {
            request.header("If-None-Match", last.etag());
        }
        try {
            HttpResponse<byte[]> response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            return switch (response.statusCode()) {
                case 200 -> {
                    if (path.startsWith("/openapi/v3/")) {
                        MAPPER.readTree(response.body()); // served on as it came, so it must be JSON
                    }
                    yield new Fetched(response.body(), response.headers().firstValue("ETag").orElse(null));
                }
                case 304 -> last.body() != null ? last : failed(uri, "304 Not Modified without a cached document");
                case 404 -> {
                    log.debug("apiservice={} has no {} (404)", apiService, path);
                    yield Fetched.NONE;
                }
                default -> failed(uri, "status " + response.statusCode());
            };
        } catch (IOException e) {
            return failed(uri, Objects.requireNonNullElse(e.getMessage(), e.getClass().getSimpleName()));
        }
    }

    private Fetched failed(URI uri, String why) {
        log.warn("apiservice={} cannot download {}: {}; keeping its last document", apiService, uri, why);
        return null;
    }
}
