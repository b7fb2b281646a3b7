package dev.skiff.apiserver.request;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestInfoResolverTest {
    private static RequestInfo resolve(String method, String path) {
        return RequestInfoResolver.resolve(method, path, Map.of());
    }

    @Test
    void namespacedResourceWithNameAndSubresource() {
        var info = resolve("GET", "/api/v1/namespaces/default/pods/web/log");
        assertThat(info).isEqualTo(new RequestInfo(true, "/api/v1/namespaces/default/pods/web/log", "get", "api", "", "v1",
                "default", "pods", "log", "web"));
        assertThat(info.longRunning()).isTrue();
        assertThat(info.mutating()).isFalse();
    }

    @Test
    void groupedCollectionVerbs() {
        assertThat(resolve("GET", "/apis/apps/v1/namespaces/ns/deployments").verb()).isEqualTo("list");
        assertThat(resolve("POST", "/apis/apps/v1/namespaces/ns/deployments").verb()).isEqualTo("create");
        assertThat(resolve("DELETE", "/apis/apps/v1/namespaces/ns/deployments").verb()).isEqualTo("deletecollection");
        assertThat(resolve("PATCH", "/apis/apps/v1/namespaces/ns/deployments/d").verb()).isEqualTo("patch");
        assertThat(resolve("PUT", "/apis/apps/v1/namespaces/ns/deployments/d/scale").subresource()).isEqualTo("scale");
        assertThat(resolve("GET", "/apis/apps/v1/deployments").apiGroup()).isEqualTo("apps");
    }

    @Test
    void watchesByQueryOrLegacyPathAreLongRunning() {
        var byQuery = RequestInfoResolver.resolve("GET", "/api/v1/pods", Map.of("watch", List.of("true")));
        assertThat(byQuery.verb()).isEqualTo("watch");
        // upstream's bool decoding: only "0" and "false" (any case) are false - the Python client sends "True"
        for (String yes : List.of("True", "1", "", "yes")) {
            assertThat(RequestInfoResolver.resolve("GET", "/api/v1/pods", Map.of("watch", List.of(yes))).verb()).as(yes).isEqualTo("watch");
        }
        for (String no : List.of("False", "false", "0")) {
            assertThat(RequestInfoResolver.resolve("GET", "/api/v1/pods", Map.of("watch", List.of(no))).verb()).as(no).isEqualTo("list");
        }
        assertThat(byQuery.longRunning()).isTrue();
        assertThat(resolve("GET", "/api/v1/watch/namespaces/a/pods").verb()).isEqualTo("watch");
    }

    @Test
    void namespaceItselfAndItsStatus() {
        var ns = resolve("GET", "/api/v1/namespaces/default");
        assertThat(ns.resource()).isEqualTo("namespaces");
        assertThat(ns.name()).isEqualTo("default");
        var status = resolve("PUT", "/api/v1/namespaces/default/status");
        assertThat(status.resource()).isEqualTo("namespaces");
        assertThat(status.subresource()).isEqualTo("status");
    }

    @Test
    void discoveryAndOtherPathsAreNonResourceRequests() {
        for (String path : List.of("/api", "/api/v1", "/apis", "/apis/apps", "/apis/apps/v1", "/version", "/healthz", "/")) {
            var info = resolve("GET", path);
            assertThat(info.resourceRequest()).as(path).isFalse();
            assertThat(info.verb()).isEqualTo("get");
            assertThat(info.longRunning()).isFalse();
        }
        assertThat(resolve("POST", "/foo").mutating()).isTrue();
    }
}
