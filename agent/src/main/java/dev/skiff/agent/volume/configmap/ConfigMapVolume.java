package dev.skiff.agent.volume.configmap;

import dev.skiff.agent.volume.util.FileProjection;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A configMap volume's files (upstream: pkg/volume/configmap): every key of data and binaryData as a
 * file named after it, or only the listed items at their paths; modes from the item, else
 * defaultMode, else 0644. A missing config map is an error (upstream's {@code configmap "x" not
 * found}) unless optional, then the volume is empty; a listed key that is missing likewise.
 */
public final class ConfigMapVolume {
    /** The plugin's directory name under a pod's volumes dir. */
    public static final String PLUGIN_DIR = "kubernetes.io~configmap";

    private ConfigMapVolume() {
    }

    /** The config map {@code name} in {@code namespace}, or null when it is missing and optional. */
    public static ConfigMap read(KubernetesClient client, String namespace, String name, boolean optional) throws IOException {
        ConfigMap cm = client.configMaps().inNamespace(namespace).withName(name).get();
        if (cm == null && !optional) {
            throw new IOException("configmap \"" + name + "\" not found");
        }
        return cm;
    }

    public static Map<String, FileProjection> payload(ConfigMap cm, List<KeyToPath> items, Integer defaultMode, boolean optional)
            throws IOException {
        Map<String, byte[]> data = new LinkedHashMap<>();
        if (cm != null && cm.getData() != null) {
            cm.getData().forEach((k, v) -> data.put(k, v.getBytes(StandardCharsets.UTF_8)));
        }
        if (cm != null && cm.getBinaryData() != null) {
            cm.getBinaryData().forEach((k, v) -> data.put(k, Base64.getDecoder().decode(v)));
        }
        return project(data, items, defaultMode, optional, "configmap references non-existent config key: ");
    }

    /** Keys to files as configMap and secret volumes share it: all keys, or the items (a missing key is {@code missingKey + key} unless optional). */
    public static Map<String, FileProjection> project(Map<String, byte[]> data, List<KeyToPath> items, Integer defaultMode, boolean optional,
                                                      String missingKey) throws IOException {
        Map<String, FileProjection> payload = new LinkedHashMap<>();
        if (items == null || items.isEmpty()) {
            data.forEach((k, v) -> payload.put(k, new FileProjection(v, FileProjection.mode(null, defaultMode))));
            return payload;
        }
        for (KeyToPath item : items) {
            byte[] value = data.get(item.getKey());
            if (value == null) {
                if (optional) {
                    continue;
                }
                throw new IOException(missingKey + item.getKey());
            }
            payload.put(item.getPath(), new FileProjection(value, FileProjection.mode(item.getMode(), defaultMode)));
        }
        return payload;
    }
}
