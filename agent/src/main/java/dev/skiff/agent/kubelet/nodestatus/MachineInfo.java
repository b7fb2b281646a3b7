package dev.skiff.agent.kubelet.nodestatus;

import io.fabric8.kubernetes.api.model.NodeSystemInfo;
import io.fabric8.kubernetes.api.model.NodeSystemInfoBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** This machine's facts for the node status (upstream: cAdvisor's MachineInfo): cpus, memory, disk, kernel, OS image, ids. */
public final class MachineInfo {
    private MachineInfo() {
    }

    /** cpu, memory (MemTotal), ephemeral-storage (the filesystem holding {@code dataDir}) and pods. */
    public static Map<String, Quantity> capacity(Path dataDir, int maxPods) {
        Map<String, Quantity> capacity = new LinkedHashMap<>();
        capacity.put("cpu", new Quantity(Integer.toString(Runtime.getRuntime().availableProcessors())));
        capacity.put("memory", new Quantity(memTotalKib() + "Ki"));
        try {
            Files.createDirectories(dataDir);
            capacity.put("ephemeral-storage", new Quantity(Files.getFileStore(dataDir).getTotalSpace() / 1024 + "Ki"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read the filesystem of " + dataDir, e);
        }
        capacity.put("pods", new Quantity(Integer.toString(maxPods)));
        return capacity;
    }

    static long memTotalKib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return Runtime.getRuntime().maxMemory() / 1024;
    }

    public static NodeSystemInfo nodeInfo(String containerRuntimeVersion) {
        return new NodeSystemInfoBuilder()
                .withMachineID(read("/etc/machine-id"))
                .withSystemUUID(read("/sys/class/dmi/id/product_uuid"))
                .withBootID(read("/proc/sys/kernel/random/boot_id"))
                .withKernelVersion(System.getProperty("os.version"))
                .withOsImage(osImage())
                .withContainerRuntimeVersion(containerRuntimeVersion)
                .withKubeletVersion(NodeStatus.KUBELET_VERSION)
                .withKubeProxyVersion("")
                .withOperatingSystem("linux")
                .withArchitecture(NodeStatus.arch())
                .build();
    }

    private static String osImage() {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/os-release"))) {
                if (line.startsWith("PRETTY_NAME=")) {
                    return line.substring("PRETTY_NAME=".length()).replace("\"", "");
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return "Linux";
    }

    private static String read(String file) {
        try {
            return Files.readString(Path.of(file)).strip();
        } catch (IOException e) {
            return "";
        }
    }
}
