package dev.skiff.agent.kuberuntime;

import dev.skiff.agent.cri.v1.Capability;
import dev.skiff.agent.cri.v1.ContainerConfig;
import dev.skiff.agent.cri.v1.ContainerMetadata;
import dev.skiff.agent.cri.v1.ImageSpec;
import dev.skiff.agent.cri.v1.Int64Value;
import dev.skiff.agent.cri.v1.KeyValue;
import dev.skiff.agent.cri.v1.LinuxContainerConfig;
import dev.skiff.agent.cri.v1.LinuxContainerResources;
import dev.skiff.agent.cri.v1.LinuxContainerSecurityContext;
import dev.skiff.agent.cri.v1.Mount;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Map;

/** The CRI container config of one of a pod's containers (upstream: kuberuntime's generateContainerConfig). */
final class ContainerConfigs {
    /** The CFS period the kubelet uses (100ms), in microseconds. */
    static final long CPU_PERIOD = 100_000;
    /** cgroup v1 cpu.shares bounds the kubelet clamps to. */
    static final long MIN_SHARES = 2;
    static final long MAX_SHARES = 262_144;

    private ContainerConfigs() {
    }

    /** The log file of a container attempt, relative to the pod log directory: {@code <name>/<attempt>.log}. */
    static String logPath(String containerName, int attempt) {
        return containerName + "/" + attempt + ".log";
    }

    static ContainerConfig forContainer(Pod pod, Container container, int attempt) {
        return forContainer(pod, container, attempt, List.of());
    }

    /** As {@link #forContainer(Pod, Container, int)} with the container's volume mounts. */
    static ContainerConfig forContainer(Pod pod, Container container, int attempt, List<Mount> mounts) {
        var meta = pod.getMetadata();
        var builder = ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(container.getName()).setAttempt(attempt))
                .setImage(ImageSpec.newBuilder().setImage(container.getImage()))
                .setLogPath(logPath(container.getName(), attempt))
                .putLabels(Labels.POD_NAME, meta.getName())
                .putLabels(Labels.POD_NAMESPACE, meta.getNamespace())
                .putLabels(Labels.POD_UID, meta.getUid())
                .putLabels(Labels.CONTAINER_NAME, container.getName())
                .setStdin(Boolean.TRUE.equals(container.getStdin()))
                .setStdinOnce(Boolean.TRUE.equals(container.getStdinOnce()))
                .setTty(Boolean.TRUE.equals(container.getTty()))
                .addAllMounts(mounts);
        if (container.getCommand() != null) {
            builder.addAllCommand(container.getCommand());
        }
        if (container.getArgs() != null) {
            builder.addAllArgs(container.getArgs());
        }
        if (container.getWorkingDir() != null) {
            builder.setWorkingDir(container.getWorkingDir());
        }
        if (container.getEnv() != null) {
            for (EnvVar env : container.getEnv()) {
                if (env.getValueFrom() != null) {
                    // secrets, config maps and the downward API are read from the API server by the sync loop
                    throw new IllegalArgumentException("container " + container.getName() + " env " + env.getName()
                            + ": valueFrom must be resolved to a value before the runtime sees it");
                }
                builder.addEnvs(KeyValue.newBuilder().setKey(env.getName()).setValue(env.getValue() == null ? "" : env.getValue()));
            }
        }
        builder.setLinux(LinuxContainerConfig.newBuilder()
                .setResources(resources(container))
                .setSecurityContext(securityContext(pod, container)));
        return builder.build();
    }

    /**
     * Requests and limits as cgroup settings, as the kubelet computes them: cpu.shares from the
     * CPU request (limit when no request; the minimum 2 for none), a CFS quota from the CPU
     * limit over a 100ms period, and the memory limit in bytes.
     */
    static LinuxContainerResources resources(Container container) {
        var resources = container.getResources();
        Map<String, Quantity> requests = resources == null || resources.getRequests() == null ? Map.of() : resources.getRequests();
        Map<String, Quantity> limits = resources == null || resources.getLimits() == null ? Map.of() : resources.getLimits();
        var builder = LinuxContainerResources.newBuilder();
        Quantity cpuRequest = requests.getOrDefault("cpu", limits.get("cpu"));
        long shares = cpuRequest == null ? MIN_SHARES : Math.clamp(milliCpu(cpuRequest) * 1024 / 1000, MIN_SHARES, MAX_SHARES);
        builder.setCpuShares(shares);
        Quantity cpuLimit = limits.get("cpu");
        if (cpuLimit != null) {
            builder.setCpuPeriod(CPU_PERIOD);
            builder.setCpuQuota(Math.max(1000, milliCpu(cpuLimit) * CPU_PERIOD / 1000));
        }
        Quantity memoryLimit = limits.get("memory");
        if (memoryLimit != null) {
            builder.setMemoryLimitInBytes(Quantity.getAmountInBytes(memoryLimit).setScale(0, RoundingMode.UP).longValueExact());
        }
        return builder.build();
    }

    static long milliCpu(Quantity cpu) {
        return Quantity.getAmountInBytes(cpu).multiply(BigDecimal.valueOf(1000)).setScale(0, RoundingMode.UP).longValueExact();
    }

    /** The container's security context over the pod's (a container's own setting wins). */
    static LinuxContainerSecurityContext securityContext(Pod pod, Container container) {
        var builder = LinuxContainerSecurityContext.newBuilder()
                .setNamespaceOptions(SandboxConfigs.namespaces(pod.getSpec()));
        var podSecurity = pod.getSpec().getSecurityContext();
        var own = container.getSecurityContext();
        Long runAsUser = own != null && own.getRunAsUser() != null ? own.getRunAsUser()
                : podSecurity != null ? podSecurity.getRunAsUser() : null;
        Long runAsGroup = own != null && own.getRunAsGroup() != null ? own.getRunAsGroup()
                : podSecurity != null ? podSecurity.getRunAsGroup() : null;
        if (runAsUser != null) {
            builder.setRunAsUser(Int64Value.newBuilder().setValue(runAsUser));
        }
        if (runAsGroup != null) {
            builder.setRunAsGroup(Int64Value.newBuilder().setValue(runAsGroup));
        }
        if (podSecurity != null && podSecurity.getSupplementalGroups() != null) {
            builder.addAllSupplementalGroups(podSecurity.getSupplementalGroups());
        }
        if (own != null) {
            builder.setPrivileged(Boolean.TRUE.equals(own.getPrivileged()));
            builder.setReadonlyRootfs(Boolean.TRUE.equals(own.getReadOnlyRootFilesystem()));
            // allowPrivilegeEscalation defaults to true; false sets no_new_privs
            builder.setNoNewPrivs(Boolean.FALSE.equals(own.getAllowPrivilegeEscalation()));
            if (own.getCapabilities() != null) {
                var caps = Capability.newBuilder();
                if (own.getCapabilities().getAdd() != null) {
                    caps.addAllAddCapabilities(own.getCapabilities().getAdd());
                }
                if (own.getCapabilities().getDrop() != null) {
                    caps.addAllDropCapabilities(own.getCapabilities().getDrop());
                }
                builder.setCapabilities(caps);
            }
        }
        return builder.build();
    }
}
