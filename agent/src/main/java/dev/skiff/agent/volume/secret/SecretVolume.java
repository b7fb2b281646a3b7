package dev.skiff.agent.volume.secret;

import dev.skiff.agent.volume.configmap.ConfigMapVolume;
import dev.skiff.agent.volume.util.FileProjection;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A secret volume's files (upstream: pkg/volume/secret), on tmpfs: every key as a file, or the
 * listed items; modes as for configMap volumes. A missing secret is {@code secret "x" not found}
 * unless optional; a missing listed key {@code references non-existent secret key: k}.
 */
public final class SecretVolume {
    /** The plugin's directory name under a pod's volumes dir. */
    public static final String PLUGIN_DIR = "kubernetes.io~secret";

    private SecretVolume() {
    }

    /** The secret {@code name} in {@code namespace}, or null when it is missing and optional. */
    public static Secret read(KubernetesClient client, String namespace, String name, boolean optional) throws IOException {
        Secret secret = client.secrets().inNamespace(namespace).withName(name).get();
        if (secret == null && !optional) {
            throw new IOException("secret \"" + name + "\" not found");
        }
        return secret;
    }

    public static Map<String, FileProjection> payload(Secret secret, List<KeyToPath> items, Integer defaultMode, boolean optional)
            throws IOException {
        Map<String, byte[]> data = new LinkedHashMap<>();
        if (secret != null && secret.getData() != null) {
            secret.getData().forEach((k, v) -> data.put(k, Base64.getDecoder().decode(v)));
        }
        if (secret != null && secret.getStringData() != null) {
            secret.getStringData().forEach((k, v) -> data.put(k, v.getBytes(StandardCharsets.UTF_8)));
        }
        return ConfigMapVolume.project(data, items, defaultMode, optional, "references non-existent secret key: ");
    }
}
