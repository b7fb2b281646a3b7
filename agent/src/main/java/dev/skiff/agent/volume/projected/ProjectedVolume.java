package dev.skiff.agent.volume.projected;

import dev.skiff.agent.kubelet.envvars.EnvResolver;
import dev.skiff.agent.volume.configmap.ConfigMapVolume;
import dev.skiff.agent.volume.downwardapi.DownwardApiVolume;
import dev.skiff.agent.volume.secret.SecretVolume;
import dev.skiff.agent.volume.util.FileProjection;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ProjectedVolumeSource;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A projected volume's files (upstream: pkg/volume/projected), on tmpfs: the configMap, secret and
 * downwardAPI sources' files together in one directory, each source's items with their own modes
 * and the volume's defaultMode otherwise. serviceAccountToken and clusterTrustBundle sources need the
 * TokenRequest and ClusterTrustBundle APIs, which skiff does not serve yet: such a volume fails to set up.
 */
public final class ProjectedVolume {
    /** The plugin's directory name under a pod's volumes dir. */
    public static final String PLUGIN_DIR = "kubernetes.io~projected";

    private ProjectedVolume() {
    }

    public static Map<String, FileProjection> payload(KubernetesClient client, Pod pod, ProjectedVolumeSource source, EnvResolver env,
                                                      String podIp, String hostIp) throws IOException {
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
                throw new IOException("serviceAccountToken projections are not supported yet (skiff serves no TokenRequest API)");
            } else {
                throw new IOException("projected volume source not supported: " + p);
            }
        }
        return payload;
    }
}
