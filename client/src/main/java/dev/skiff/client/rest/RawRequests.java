package dev.skiff.client.rest;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;

/**
 * Requests the fabric8 DSL has no method for (pods/binding, namespaces/finalize, deletecollection with
 * options, discovery by path), sent over the client's own HTTP client and credentials. A response
 * outside 2xx is a {@link KubernetesClientException} carrying the HTTP code, as the DSL's are.
 */
public final class RawRequests {
    private RawRequests() {
    }

    /** {@code method path} with {@code body} serialised as JSON (none when null); the response body. */
    public static String send(KubernetesClient client, String method, String path, Object body) {
        String url = client.getMasterUrl().toString().replaceAll("/$", "") + path;
        String json = body == null ? null : Serialization.asJson(body);
        HttpRequest request = client.getHttpClient().newHttpRequestBuilder().uri(url)
                .method(method, json == null ? null : "application/json", json).build();
        HttpResponse<String> response;
        try {
            response = client.getHttpClient().sendAsync(request, String.class).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KubernetesClientException("interrupted: " + method + " " + path, e);
        } catch (ExecutionException e) {
            throw new KubernetesClientException(method + " " + path + ": " + e.getCause().getMessage(), e.getCause());
        }
        if (response.code() < 200 || response.code() > 299) {
            throw new KubernetesClientException(method + " " + path + ": HTTP " + response.code() + " " + response.body(), response.code(),
                    null);
        }
        return response.body();
    }

    /** A path segment, URL-encoded. */
    public static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
