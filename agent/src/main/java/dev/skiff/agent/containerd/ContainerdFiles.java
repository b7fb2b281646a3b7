package dev.skiff.agent.containerd;

import dev.skiff.agent.containerd.registries.HostsDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes the containerd config.toml and the CNI network config a {@link ContainerdConfig} describes. */
final class ContainerdFiles {
    private ContainerdFiles() {
    }

    /**
     * containerd 1.6 (Debian 12) reads config version 2; version 3 is containerd 2.x only. Plugins
     * the agent has no use for are disabled so a missing kernel feature (btrfs, zfs, devmapper)
     * does not fill the log, and the CRI plugin's streaming server binds loopback only.
     */
    static String configToml(ContainerdConfig c) {
        Path d = c.dataDir();
        String cri = "plugins.\"io.containerd.grpc.v1.cri\"";
        return """
                version = 2
                root = "%s"
                state = "%s"
                disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", \
                "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.tracing.processor.v1.otlp"]

                [grpc]
                  address = "%s"

                [ttrpc]
                  address = "%s"

                [plugins."io.containerd.internal.v1.opt"]
                  path = "%s"

                [%s]
                  sandbox_image = "%s"
                  stream_server_address = "127.0.0.1"
                  stream_server_port = "0"
                  disable_tcp_service = true
                  enable_selinux = false
                  restrict_oom_score_adj = %s

                [%s.containerd]
                  snapshotter = "overlayfs"
                  default_runtime_name = "runc"

                [%s.containerd.runtimes.runc]
                  runtime_type = "io.containerd.runc.v2"

                [%s.containerd.runtimes.runc.options]
                  SystemdCgroup = false

                [%s.cni]
                  bin_dir = "%s"
                  conf_dir = "%s"
                  max_conf_num = 1

                [%s.registry]
                  config_path = "%s"
                """.formatted(d.resolve("root"), d.resolve("state"), c.socket(), c.socket() + ".ttrpc", d.resolve("opt"),
                cri, c.sandboxImage(), !canLowerOomScore(), cri, cri, cri, cri, c.cniBinDir(), c.cniConfDir(), cri, c.registryConfigDir())
                + HostsDir.authToml(c.registries(), cri);
    }

    /**
     * The sandbox gets oom_score_adj -998 as upstream's; setting a score below the current one
     * needs CAP_SYS_RESOURCE, which sandboxed machines (this project's CI VMs) withhold from
     * root. Without it containerd must keep scores no lower than its own, or runc fails with
     * "failed to update /proc/self/oom_score_adj: Permission denied".
     */
    static boolean canLowerOomScore() {
        final int capSysResource = 24;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    long caps = Long.parseUnsignedLong(line.substring("CapEff:".length()).strip(), 16);
                    return (caps & (1L << capSysResource)) != 0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return false; // cannot tell: the restricted setting works either way
        }
        return false;
    }

    /**
     * One conflist: a bridge with the node as gateway and host-local IPAM on the pod CIDR
     * (its allocations kept under the data dir), then portmap for hostPort. The CRI plugin
     * adds the loopback interface itself. No IP masquerade: pods talk to this host and each other.
     */
    static String cniConflist(ContainerdConfig c) {
        return """
                {
                  "cniVersion": "1.0.0",
                  "name": "skiff",
                  "plugins": [
                    {
                      "type": "bridge",
                      "bridge": "%s",
                      "isGateway": true,
                      "ipMasq": false,
                      "hairpinMode": true,
                      "ipam": {
                        "type": "host-local",
                        "ranges": [[{"subnet": "%s"}]],
                        "routes": [{"dst": "0.0.0.0/0"}],
                        "dataDir": "%s"
                      }
                    },
                    {"type": "portmap", "capabilities": {"portMappings": true}}
                  ]
                }
                """.formatted(c.bridge(), c.podCidr(), c.dataDir().resolve("cni/ipam"));
    }

    static Path write(ContainerdConfig c) throws IOException {
        Files.createDirectories(c.cniConfDir());
        HostsDir.write(c.registryConfigDir(), c.registries());
        Files.writeString(conflist(c.dataDir()), cniConflist(c));
        Path config = c.dataDir().resolve("config.toml");
        Files.writeString(config, configToml(c));
        return config;
    }

    private static Path conflist(Path dataDir) {
        return dataDir.resolve("cni/net.d/10-skiff.conflist");
    }

    /** The bridge and pod CIDR of the network config an earlier {@link #write} left under {@code dataDir}, if any. */
    static java.util.Optional<ContainerdConfig> read(Path dataDir) throws IOException {
        Path file = conflist(dataDir);
        if (!Files.exists(file)) {
            return java.util.Optional.empty();
        }
        var plugin = new com.fasterxml.jackson.databind.ObjectMapper().readTree(file.toFile()).path("plugins").path(0);
        String bridge = plugin.path("bridge").asText("");
        String subnet = plugin.path("ipam").path("ranges").path(0).path(0).path("subnet").asText("");
        if (bridge.isEmpty() || subnet.isEmpty()) {
            throw new IOException(file + " names no bridge or pod subnet");
        }
        return java.util.Optional.of(ContainerdConfig.defaults(dataDir, subnet, bridge));
    }

    /** Removes the network config: the network it describes is gone. */
    static void removeNetwork(Path dataDir) throws IOException {
        Files.deleteIfExists(conflist(dataDir));
    }
}
