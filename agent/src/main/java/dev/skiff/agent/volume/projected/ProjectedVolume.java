package dev.skiff.agent.volume.projected;

import dev.skiff.agent.kubelet.envvars.EnvResolver;
import dev.skiff.agent.kubelet.token.TokenManager;
import dev.skiff.agent.volume.configmap.ConfigMapVolume;
import dev.skiff.agent.volume.downwardapi.DownwardApiVolume;
import dev.skiff.agent.volume.secret.SecretVolume;
import dev.skiff.agent.volume.util.FileProjection;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ProjectedVolumeSource;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A projected volume's files (upstream: pkg/volume/projected), on tmpfs: the configMap, secret,
 * downwardAPI and serviceAccountToken sources' files together in one directory, each source's items
 * with their own modes and the volume's defaultMode otherwise. A serviceAccountToken source is a
 * token of the pod's service account bound to the pod, for the source's audience (the API server's
 * when empty) and expirationSeconds, from the {@link TokenManager} - renewed there before it expires,
 * and rewritten here (atomically, with the other files) at the next set-up. clusterTrustBundle and
 * podCertificate sources need APIs skiff does not serve: such a volume fails to set up.
 */
public final class ProjectedVolume {
    /** The plugin's directory name under a pod's volumes dir. */
    public static final String PLUGIN_DIR = "kubernetes.io~projected";

    private ProjectedVolume() {
    }

    public static Map<String, FileProjection> payload(KubernetesClient client, TokenManager tokens, Pod pod, ProjectedVolumeSource source,
                                                      EnvResolver env, String podIp, String hostIp) throws IOException {
        String ns = pod.getMetadata().getNamespace();
        Integer mode = source.getDefaultMode();
        Map<String, FileProjection> payload = new LinkedHashMap<>();
        for (VolumeProjection p : source.getSources()) {
            if (p.getConfigMap() != null) {
                var s = p.getConfigMap();
                boolean optional = Boolean.TRUE.equals(s.getOptional());
                payload.putAll(ConfigMapVolume.payload(ConfigMapVolume.read(client, ns, s.getName(), optional), s.getItems(), mode, optional));
            } else if (p.getSecret() != null) {
                var s = p.getSecret();
                boolean optional = Boolean.TRUE.equals(s.getOptional());
                payload.putAll(SecretVolume.payload(SecretVolume.read(client, ns, s.getName(), optional), s.getItems(), mode, optional));
            } else if (p.getDownwardAPI() != null) {
                payload.putAll(DownwardApiVolume.payload(pod, p.getDownwardAPI().getItems(), mode, env, podIp, hostIp));
            } else if (p.getServiceAccountToken() != null) {
                var s = p.getServiceAccountToken();
                String audience = s.getAudience();
                TokenRequest token = tokens.serviceAccountToken(ns, pod.getSpec().getServiceAccountName(), new TokenRequestBuilder()
                        .withNewSpec().withAudiences(audience == null || audience.isEmpty() ? List.of() : List.of(audience))
                        .withExpirationSeconds(s.getExpirationSeconds())
                        .withNewBoundObjectRef().withApiVersion("v1").withKind("Pod").withName(pod.getMetadata().getName())
                        .withUid(pod.getMetadata().getUid()).endBoundObjectRef().endSpec().build());
                payload.put(s.getPath(), new FileProjection(token.getStatus().getToken().getBytes(StandardCharsets.UTF_8),
                        FileProjection.mode(null, mode)));
            } else {
                throw new IOException("projected volume source not supported: " + p);
            }
        }
        return payload;
    }
}
