package dev.skiff.apiserver.admission;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.api.errors.ApiException;
import dev.skiff.apiserver.authn.UserInfo;
import dev.skiff.apiserver.request.RequestInfoResolver;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NamespaceLifecycleTest {
    private final Map<String, Namespace> existing = Map.of(
            "team", new NamespaceBuilder().withNewMetadata().withName("team").endMetadata().build(),
            "gone", new NamespaceBuilder().withNewMetadata().withName("gone").withDeletionTimestamp("2026-01-01T00:00:00Z").endMetadata().build());
    private final AdmissionChain chain = new AdmissionChain(List.of(new NamespaceLifecycle(n -> Optional.ofNullable(existing.get(n)))));

    private void admit(String method, String path, String body) {
        chain.admit(new AdmissionAttributes(new UserInfo("a", List.of()), RequestInfoResolver.resolve(method, path, Map.of()),
                "application/json", body.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void createNeedsALiveNamespace() {
        assertThatCode(() -> admit("POST", "/api/v1/namespaces/team/configmaps", "{}")).doesNotThrowAnyException();
        assertThatThrownBy(() -> admit("POST", "/api/v1/namespaces/nope/configmaps", "{}"))
                .isInstanceOf(ApiException.class).hasMessage("namespaces \"nope\" not found");
        assertThatThrownBy(() -> admit("POST", "/api/v1/namespaces/gone/configmaps", "{\"metadata\":{\"name\":\"c\"}}"))
                .isInstanceOf(ApiException.class).hasMessage("configmaps \"c\" is forbidden: unable to create new content in namespace gone "
                        + "because it is being terminated");
        assertThatCode(() -> admit("POST", "/api/v1/namespaces", "{\"metadata\":{\"name\":\"new\"}}")).doesNotThrowAnyException();
    }

    @Test
    void immortalNamespacesCannotBeDeleted() {
        assertThatThrownBy(() -> admit("DELETE", "/api/v1/namespaces/kube-system", ""))
                .isInstanceOf(ApiException.class).hasMessage("namespaces \"kube-system\" is forbidden: this namespace may not be deleted")
                .extracting(e -> ((ApiException) e).code()).isEqualTo(403);
        assertThatCode(() -> admit("DELETE", "/api/v1/namespaces/team", "")).doesNotThrowAnyException();
    }
}
