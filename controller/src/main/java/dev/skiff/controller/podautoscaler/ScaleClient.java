package dev.skiff.controller.podautoscaler;

import dev.skiff.api.resource.ResourceRegistry;
import dev.skiff.client.rest.RawRequests;
import io.fabric8.kubernetes.api.model.autoscaling.v1.Scale;
import io.fabric8.kubernetes.api.model.autoscaling.v2.CrossVersionObjectReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * The target's /scale subresource (upstream: the scale client over the REST mapper): any built-in
 * kind with a scale subresource (deployments, replicasets, statefulsets, replicationcontrollers),
 * found by the reference's apiVersion and kind.
 */
interface ScaleClient {
    Scale get(String namespace, CrossVersionObjectReference ref) throws ScaleException;

    Scale update(String namespace, CrossVersionObjectReference ref, Scale scale) throws ScaleException;

    final class ScaleException extends Exception {
        ScaleException(String message) {
            super(message);
        }
    }

    /** The API's Status message (e.g. {@code deployments.apps "web" not found}) where the failure carries one. */
    private static String statusMessage(RuntimeException e) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        int body = message.indexOf('{');
        if (body >= 0) {
            try {
                var status = Serialization.unmarshal(message.substring(body), io.fabric8.kubernetes.api.model.Status.class);
                if (status != null && status.getMessage() != null) {
                    return status.getMessage();
                }
            } catch (RuntimeException notJson) {
                // not a Status: the message as it is
            }
        }
        return message;
    }

    static ScaleClient of(KubernetesClient client) {
        var registry = ResourceRegistry.builtIn();
        return new ScaleClient() {
            private String path(String namespace, CrossVersionObjectReference ref) throws ScaleException {
                String apiVersion = ref.getApiVersion() == null ? "" : ref.getApiVersion();
                int slash = apiVersion.indexOf('/');
                String group = slash < 0 ? "" : apiVersion.substring(0, slash);
                String version = slash < 0 ? apiVersion : apiVersion.substring(slash + 1);
                var info = registry.findByKind(group, version, ref.getKind()).orElseThrow(() -> new ScaleException(
                        "no matches for kind \"" + ref.getKind() + "\" in group \"" + group + "\""));
                if (info.subresource("scale").isEmpty()) {
                    throw new ScaleException(info.groupResource() + " does not implement the scale subresource");
                }
                String base = group.isEmpty() ? "/api/" + version : "/apis/" + group + "/" + version;
                return base + "/namespaces/" + RawRequests.segment(namespace) + "/" + info.resource() + "/" + RawRequests.segment(ref.getName())
                        + "/scale";
            }

            @Override
            public Scale get(String namespace, CrossVersionObjectReference ref) throws ScaleException {
                String path = path(namespace, ref);
                try {
                    return Serialization.unmarshal(RawRequests.send(client, "GET", path, null), Scale.class);
                } catch (RuntimeException e) {
                    throw new ScaleException(statusMessage(e));
                }
            }

            @Override
            public Scale update(String namespace, CrossVersionObjectReference ref, Scale scale) throws ScaleException {
                String path = path(namespace, ref);
                try {
                    return Serialization.unmarshal(RawRequests.send(client, "PUT", path, scale), Scale.class);
                } catch (RuntimeException e) {
                    throw new ScaleException(statusMessage(e));
                }
            }
        };
    }
}
