package dev.skiff.agent.kuberuntime;

import dev.skiff.agent.cri.v1.PodSandboxConfig;
import java.util.Map;

/**
 * A pod as it runs on the runtime: its sandbox, the pod IP CNI gave it and the runtime ID of
 * each container by name. What the sync loop keeps per pod between syncs.
 */
public record RunningPod(String sandboxId, String podIp, PodSandboxConfig sandboxConfig, Map<String, String> containerIds) {
    public RunningPod {
        containerIds = Map.copyOf(containerIds);
    }
}
