package dev.skiff.apiserver.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.api.errors.ApiException;
import io.fabric8.kubernetes.api.model.Namespace;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Upstream's NamespaceLifecycle admission plugin: nothing is created in a namespace that does not
 * exist (404) or is being terminated (403), and the immortal namespaces (default, kube-system,
 * kube-public) cannot be deleted (403).
 */
public final class NamespaceLifecycle implements AdmissionPlugin {
    public static final String NAME = "NamespaceLifecycle";

    static final Set<String> IMMORTAL = Set.of("default", "kube-system", "kube-public");
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Function<String, Optional<Namespace>> namespaces;

    /** {@code namespaces}: the namespace of that name, if it exists. */
    public NamespaceLifecycle(Function<String, Optional<Namespace>> namespaces) {
        this.namespaces = namespaces;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean handles(AdmissionAttributes attributes) {
        var info = attributes.request();
        return info.resourceRequest() && (info.verb().equals("create") || info.verb().equals("delete"));
    }

    @Override
    public void validate(AdmissionAttributes attributes) {
        var info = attributes.request();
        if (info.resource().equals("namespaces") && info.subresource().isEmpty()) {
            if (info.verb().equals("delete") && IMMORTAL.contains(info.name())) {
                throw ApiException.forbidden("namespaces \"" + info.name() + "\" is forbidden: this namespace may not be deleted");
            }
            return;
        }
        if (!info.verb().equals("create") || info.namespace().isEmpty() || !info.subresource().isEmpty()) {
            return;
        }
        Namespace namespace = namespaces.apply(info.namespace())
                .orElseThrow(() -> ApiException.notFound("", "namespaces", info.namespace()));
        if (namespace.getMetadata().getDeletionTimestamp() != null) {
            String resource = info.apiGroup().isEmpty() ? info.resource() : info.resource() + "." + info.apiGroup();
            throw ApiException.forbidden(resource + " \"" + objectName(attributes) + "\" is forbidden: unable to create new content in namespace "
                    + info.namespace() + " because it is being terminated");
        }
    }

    private static String objectName(AdmissionAttributes attributes) {
        try {
            JsonNode body = JSON.readTree(attributes.body());
            return body == null ? "" : body.path("metadata").path("name").asText("");
        } catch (Exception e) {
            return ""; // not JSON (protobuf): upstream would name the object; the decision is the same
        }
    }
}
