package dev.skiff.agent.kubelet.pod;

import dev.skiff.agent.kubelet.config.FileSource;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Mirror pods (upstream: pkg/kubelet/pod's mirror client): the API server's copy of a static pod, so the cluster sees
 * what the node runs from files. A mirror pod carries the static pod's hash in {@code kubernetes.io/config.mirror}, is
 * owned by its Node, and is never run itself: the kubelet only writes the static pod's status into it.
 */
public final class MirrorClient {
    private final KubernetesClient client;

    public MirrorClient(KubernetesClient client) {
        this.client = client;
    }

    public static boolean isMirrorPod(Pod pod) {
        var annotations = pod.getMetadata().getAnnotations();
        return annotations != null && annotations.containsKey(FileSource.CONFIG_MIRROR);
    }

    public static boolean isStaticPod(Pod pod) {
        var annotations = pod.getMetadata().getAnnotations();
        return annotations != null && annotations.get(FileSource.CONFIG_SOURCE) != null
                && !"api".equals(annotations.get(FileSource.CONFIG_SOURCE));
    }

    /** The static pod's hash: its config.hash annotation, else its UID. */
    static String hash(Pod pod) {
        var annotations = pod.getMetadata().getAnnotations();
        String hash = annotations == null ? null : annotations.get(FileSource.CONFIG_HASH);
        return hash != null ? hash : pod.getMetadata().getUid();
    }

    /** Whether {@code mirror} mirrors this very version of {@code staticPod} (same name and hash). */
    public static boolean isMirrorPodOf(Pod mirror, Pod staticPod) {
        return mirror.getMetadata().getName().equals(staticPod.getMetadata().getName())
                && mirror.getMetadata().getNamespace().equals(staticPod.getMetadata().getNamespace())
                && hash(staticPod).equals(mirror.getMetadata().getAnnotations().get(FileSource.CONFIG_MIRROR));
    }

    /**
     * Creates the mirror pod of {@code staticPod}, owned by its node; empty when the node is gone or being deleted.
     * A mirror that already exists for the same hash is taken as is.
     */
    public Optional<Pod> createMirrorPod(Pod staticPod) {
        String nodeName = staticPod.getSpec().getNodeName();
        Node node = client.nodes().withName(nodeName).get();
        if (node == null || node.getMetadata().getDeletionTimestamp() != null) {
            return Optional.empty();
        }
        Map<String, String> annotations = new LinkedHashMap<>(staticPod.getMetadata().getAnnotations());
        annotations.put(FileSource.CONFIG_MIRROR, hash(staticPod));
        Pod mirror = new PodBuilder(staticPod).withStatus(null).editMetadata().withUid(null).withResourceVersion(null)
                .withAnnotations(annotations)
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("v1").withKind("Node").withName(nodeName)
                        .withUid(node.getMetadata().getUid()).build())
                .endMetadata().build();
        try {
            return Optional.of(client.pods().inNamespace(mirror.getMetadata().getNamespace()).resource(mirror).create());
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                Pod existing = client.pods().inNamespace(mirror.getMetadata().getNamespace()).withName(mirror.getMetadata().getName()).get();
                if (existing != null && isMirrorPod(existing) && isMirrorPodOf(existing, staticPod)) {
                    return Optional.of(existing);
                }
            }
            throw e;
        }
    }

    /** Deletes a mirror pod at once (grace period 0); gone already is fine. */
    public void deleteMirrorPod(Pod mirror) {
        try {
            client.pods().inNamespace(mirror.getMetadata().getNamespace()).withName(mirror.getMetadata().getName())
                    .withGracePeriod(0).delete();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }
}
