package dev.skiff.agent.kubelet.images;

import dev.skiff.client.record.EventRecorder;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Where the image pull secrets of a pod come from (upstream: the kubelet's getPullSecretsForPod). */
@FunctionalInterface
public interface PullSecrets {
    /** Event reason when some of a pod's imagePullSecrets could not be read (upstream's, a Warning on the pod). */
    String FAILED_TO_RETRIEVE = "FailedToRetrieveImagePullSecret";

    /** The secrets of the pod's imagePullSecrets that could be read, in spec order. */
    List<Secret> forPod(Pod pod);

    /** No secrets: for a runtime driven without an API server. */
    static PullSecrets none() {
        return pod -> List.of();
    }

    /**
     * The secrets read from the API server. A secret that cannot be read is left out - the pull is tried
     * without it - and the pod gets a Warning event FailedToRetrieveImagePullSecret naming those left out.
     * Entries without a name are skipped silently (API validation lets them through).
     */
    static PullSecrets fromApi(KubernetesClient client, EventRecorder recorder) {
        Logger log = LoggerFactory.getLogger(PullSecrets.class);
        return pod -> {
            List<LocalObjectReference> refs = pod.getSpec().getImagePullSecrets();
            if (refs == null || refs.isEmpty()) {
                return List.of();
            }
            String namespace = pod.getMetadata().getNamespace();
            List<Secret> secrets = new ArrayList<>();
            List<String> failed = new ArrayList<>();
            for (LocalObjectReference ref : refs) {
                if (ref.getName() == null || ref.getName().isEmpty()) {
                    continue;
                }
                Secret secret;
                try {
                    secret = client.secrets().inNamespace(namespace).withName(ref.getName()).get();
                } catch (RuntimeException e) {
                    log.info("unable to retrieve pull secret {}/{} for pod {}: {}", namespace, ref.getName(), pod.getMetadata().getName(),
                            e.toString());
                    secret = null;
                }
                if (secret == null) {
                    failed.add(ref.getName());
                } else {
                    secrets.add(secret);
                }
            }
            if (!failed.isEmpty()) {
                recorder.event(new io.fabric8.kubernetes.api.model.ObjectReferenceBuilder(EventRecorder.reference(pod))
                        .withApiVersion("v1").withKind("Pod").build(), EventRecorder.WARNING, FAILED_TO_RETRIEVE, "Unable to retrieve some image pull secrets ("
                        + String.join(", ", failed) + "); attempting to pull the image may not succeed.");
            }
            return secrets;
        };
    }
}
