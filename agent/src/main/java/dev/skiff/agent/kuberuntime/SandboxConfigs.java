package dev.skiff.agent.kuberuntime;

import dev.skiff.agent.cri.v1.LinuxPodSandboxConfig;
import dev.skiff.agent.cri.v1.LinuxSandboxSecurityContext;
import dev.skiff.agent.cri.v1.NamespaceMode;
import dev.skiff.agent.cri.v1.NamespaceOption;
import dev.skiff.agent.cri.v1.PodSandboxConfig;
import dev.skiff.agent.cri.v1.PodSandboxMetadata;
import dev.skiff.agent.cri.v1.PortMapping;
import dev.skiff.agent.cri.v1.Protocol;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import java.nio.file.Path;

/** The CRI sandbox config of a pod (upstream: kuberuntime's generatePodSandboxConfig). */
final class SandboxConfigs {
    private SandboxConfigs() {
    }

    /** Where a pod's container logs go: {@code <logs>/<namespace>_<name>_<uid>}, as the kubelet lays them out. */
    static Path podLogDirectory(Path logsRoot, Pod pod) {
        var m = pod.getMetadata();
        return logsRoot.resolve(m.getNamespace() + "_" + m.getName() + "_" + m.getUid());
    }

    /** {@code dns} is the pod's resolv.conf as the kubelet's DNS configurer formed it. */
    static PodSandboxConfig forPod(Pod pod, Path logsRoot, int attempt, dev.skiff.agent.cri.v1.DNSConfig dns) {
        var meta = pod.getMetadata();
        PodSpec spec = pod.getSpec();
        if (meta == null || meta.getName() == null || meta.getNamespace() == null || meta.getUid() == null) {
            throw new IllegalArgumentException("a pod needs metadata.name, metadata.namespace and metadata.uid to run");
        }
        var builder = PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName(meta.getName()).setNamespace(meta.getNamespace())
                        .setUid(meta.getUid()).setAttempt(attempt))
                .setHostname(spec.getHostname() != null ? spec.getHostname() : meta.getName())
                .setLogDirectory(podLogDirectory(logsRoot, pod).toString())
                .setDnsConfig(dns)
                .putLabels(Labels.POD_NAME, meta.getName())
                .putLabels(Labels.POD_NAMESPACE, meta.getNamespace())
                .putLabels(Labels.POD_UID, meta.getUid());
        if (meta.getLabels() != null) {
            builder.putAllLabels(meta.getLabels());
        }
        if (meta.getAnnotations() != null) {
            builder.putAllAnnotations(meta.getAnnotations());
        }
        for (Container c : spec.getContainers()) {
            for (ContainerPort port : c.getPorts() == null ? java.util.List.<ContainerPort>of() : c.getPorts()) {
                if (port.getHostPort() != null && port.getHostPort() > 0) {
                    builder.addPortMappings(PortMapping.newBuilder()
                            .setProtocol(protocol(port.getProtocol()))
                            .setContainerPort(port.getContainerPort())
                            .setHostPort(port.getHostPort())
                            .setHostIp(port.getHostIP() == null ? "" : port.getHostIP()));
                }
            }
        }
        var security = LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(namespaces(spec));
        var podSecurity = spec.getSecurityContext();
        if (podSecurity != null) {
            if (podSecurity.getRunAsUser() != null) {
                security.setRunAsUser(dev.skiff.agent.cri.v1.Int64Value.newBuilder().setValue(podSecurity.getRunAsUser()));
            }
            if (podSecurity.getRunAsGroup() != null) {
                security.setRunAsGroup(dev.skiff.agent.cri.v1.Int64Value.newBuilder().setValue(podSecurity.getRunAsGroup()));
            }
            if (podSecurity.getSupplementalGroups() != null) {
                security.addAllSupplementalGroups(podSecurity.getSupplementalGroups());
            }
            if (podSecurity.getSysctls() != null) {
                podSecurity.getSysctls().forEach(s -> builder.getLinuxBuilder().putSysctls(s.getName(), s.getValue()));
            }
        }
        security.setPrivileged(spec.getContainers().stream().anyMatch(c -> c.getSecurityContext() != null
                && Boolean.TRUE.equals(c.getSecurityContext().getPrivileged())));
        builder.setLinux(LinuxPodSandboxConfig.newBuilder(builder.getLinux()).setSecurityContext(security));
        return builder.build();
    }

    /** Network and IPC are the pod's unless host*, PID is per container unless shared or the host's (the v1 PodSpec default). */
    static NamespaceOption namespaces(PodSpec spec) {
        return NamespaceOption.newBuilder()
                .setNetwork(Boolean.TRUE.equals(spec.getHostNetwork()) ? NamespaceMode.NODE : NamespaceMode.POD)
                .setIpc(Boolean.TRUE.equals(spec.getHostIPC()) ? NamespaceMode.NODE : NamespaceMode.POD)
                .setPid(Boolean.TRUE.equals(spec.getHostPID()) ? NamespaceMode.NODE
                        : Boolean.TRUE.equals(spec.getShareProcessNamespace()) ? NamespaceMode.POD : NamespaceMode.CONTAINER)
                .build();
    }

    static Protocol protocol(String protocol) {
        return switch (protocol == null ? "TCP" : protocol) {
            case "TCP" -> Protocol.TCP;
            case "UDP" -> Protocol.UDP;
            case "SCTP" -> Protocol.SCTP;
            default -> throw new IllegalArgumentException("unsupported port protocol " + protocol);
        };
    }
}
