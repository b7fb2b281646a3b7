package dev.skiff.agent.volume.downwardapi;

import dev.skiff.agent.kubelet.envvars.EnvResolver;
import dev.skiff.agent.volume.util.FileProjection;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.DownwardAPIVolumeFile;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A downwardAPI volume's files (upstream: pkg/volume/downwardapi), on tmpfs: per item the pod field
 * (the env fields plus all of metadata.labels / metadata.annotations as sorted {@code key="value"}
 * lines, as upstream's fieldpath.FormatMap) or a container's resource in units of the divisor.
 * Labels and annotations change in a running pod, so they are rewritten at each setUp.
 */
public final class DownwardApiVolume {
    /** The plugin's directory name under a pod's volumes dir. */
    public static final String PLUGIN_DIR = "kubernetes.io~downward-api";

    private DownwardApiVolume() {
    }

    public static Map<String, FileProjection> payload(Pod pod, List<DownwardAPIVolumeFile> items, Integer defaultMode, EnvResolver env,
                                                      String podIp, String hostIp) throws IOException {
        Map<String, FileProjection> payload = new LinkedHashMap<>();
        for (DownwardAPIVolumeFile item : items == null ? List.<DownwardAPIVolumeFile>of() : items) {
            String value;
            if (item.getFieldRef() != null) {
                String path = item.getFieldRef().getFieldPath();
                var meta = pod.getMetadata();
                value = switch (path) {
                    case "metadata.labels" -> formatMap(meta.getLabels());
                    case "metadata.annotations" -> formatMap(meta.getAnnotations());
                    default -> EnvResolver.field(pod, item.getFieldRef(), podIp, hostIp);
                };
            } else if (item.getResourceFieldRef() != null) {
                String name = item.getResourceFieldRef().getContainerName();
                Container container = Stream.concat(pod.getSpec().getContainers().stream(),
                                pod.getSpec().getInitContainers() == null ? Stream.empty() : pod.getSpec().getInitContainers().stream())
                        .filter(c -> c.getName().equals(name)).findFirst()
                        .orElseThrow(() -> new IOException("container " + name + " not found in the pod, for downward API file " + item.getPath()));
                value = env.resource(container, item.getResourceFieldRef());
            } else {
                throw new IOException("downward API file " + item.getPath() + " has neither fieldRef nor resourceFieldRef");
            }
            payload.put(item.getPath(), new FileProjection((value == null ? "" : value).getBytes(StandardCharsets.UTF_8),
                    FileProjection.mode(item.getMode(), defaultMode)));
        }
        return payload;
    }

    /** Upstream's FormatMap: sorted {@code key="value"} lines, the value quoted with escapes. */
    static String formatMap(Map<String, String> map) {
        StringBuilder out = new StringBuilder();
        for (var e : new TreeMap<>(map == null ? Map.<String, String>of() : map).entrySet()) {
            if (!out.isEmpty()) {
                out.append('\n');
            }
            out.append(e.getKey()).append("=\"").append(e.getValue().replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n"))
                    .append('"');
        }
        return out.toString();
    }
}
