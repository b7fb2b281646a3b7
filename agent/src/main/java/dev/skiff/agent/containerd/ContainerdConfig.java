package dev.skiff.agent.containerd;

import java.nio.file.Path;

/**
 * How the agent runs its own containerd: everything it writes lives under {@code dataDir}.
 *
 * @param dataDir       root, state, socket, CNI config, pod network state and logs go here
 * @param podCidr       the subnet host-local hands pod IPs from (the node's podCIDR)
 * @param bridge        the Linux bridge CNI's bridge plugin creates for the pods
 * @param sandboxImage  the image of every pod's sandbox (infra) container
 * @param cniBinDir     where the CNI plugin binaries are (Debian: /usr/lib/cni)
 * @param containerdBin the containerd binary
 * @param registries    the private registry configuration (mirrors, TLS, node-wide credentials)
 */
public record ContainerdConfig(Path dataDir, String podCidr, String bridge, String sandboxImage, Path cniBinDir,
                               Path containerdBin, dev.skiff.agent.containerd.registries.Registries registries) {
    public static final String DEFAULT_SANDBOX_IMAGE = "registry.k8s.io/pause:3.10";

    public static ContainerdConfig defaults(Path dataDir, String podCidr, String bridge) {
        return new ContainerdConfig(dataDir, podCidr, bridge, DEFAULT_SANDBOX_IMAGE, Path.of("/usr/lib/cni"),
                Path.of("/usr/bin/containerd"), dev.skiff.agent.containerd.registries.Registries.NONE);
    }

    /** This config with another private registry configuration. */
    public ContainerdConfig withRegistries(dev.skiff.agent.containerd.registries.Registries r) {
        return new ContainerdConfig(dataDir, podCidr, bridge, sandboxImage, cniBinDir, containerdBin, r);
    }

    /** The config of the containerd an agent ran on {@code dataDir} (bridge and pod CIDR as it last wrote them), if it ran there. */
    public static java.util.Optional<ContainerdConfig> written(Path dataDir) throws java.io.IOException {
        return ContainerdFiles.read(dataDir);
    }

    public Path socket() {
        return dataDir.resolve("containerd.sock");
    }

    public Path cniConfDir() {
        return dataDir.resolve("cni/net.d");
    }

    public Path registryConfigDir() {
        return dataDir.resolve("certs.d");
    }
}
