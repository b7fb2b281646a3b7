package dev.skiff.apiserver.admission;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.api.errors.ApiException;
import dev.skiff.api.resource.ResourceInfo;
import dev.skiff.api.resource.ResourceRegistry;
import dev.skiff.apiserver.handlers.BodyDecoder;
import java.io.IOException;

/**
 * A pod create's body as the mutating plugins change it: a JSON tree decoded from JSON, YAML or
 * protobuf (so unknown fields still reach strict decoding later), handed on re-encoded as JSON.
 */
final class PodBodies {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ResourceInfo POD = ResourceRegistry.builtIn().find("", "v1", "pods").orElseThrow();

    private PodBodies() {
    }

    /** Whether the request creates a pod (not a subresource of one). */
    static boolean podCreate(AdmissionAttributes attributes) {
        var info = attributes.request();
        return info.resourceRequest() && info.verb().equals("create") && info.apiGroup().isEmpty()
                && info.resource().equals("pods") && info.subresource().isEmpty();
    }

    /** The pod as a JSON tree; null when the body does not decode (the handler's decode answers it). */
    static ObjectNode tree(AdmissionAttributes attributes) {
        try {
            return BodyDecoder.tree(attributes.body(), attributes.contentType(), POD) instanceof ObjectNode object ? object : null;
        } catch (ApiException e) {
            return null;
        }
    }

    /** The attributes with {@code pod} as their JSON body. */
    static AdmissionAttributes withTree(AdmissionAttributes attributes, ObjectNode pod) {
        try {
            return attributes.withBody("application/json", JSON.writeValueAsBytes(pod));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
