package dev.skiff.agent.kuberuntime;

import dev.skiff.agent.containerd.Containerd;
import dev.skiff.agent.containerd.ContainerdConfig;
import dev.skiff.agent.cri.RemoteRuntime;
import dev.skiff.agent.images.ImageImporter;
import dev.skiff.agent.images.LocalImages;
import dev.skiff.agent.images.OciArchive;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The container runtime a real agent drives: its own containerd as a child process (config, state,
 * socket and CNI under {@code <dataDir>}), the images built here from local binaries (busybox,
 * pause, httpd) imported into it, and the CRI client over its socket. Closing stops every pod
 * sandbox, removes the bridge and stops containerd.
 */
public final class LocalRuntime implements AutoCloseable {
    private final Containerd containerd;
    private final RemoteRuntime cri;
    private final KubeRuntimeManager manager;

    private LocalRuntime(Containerd containerd, RemoteRuntime cri, KubeRuntimeManager manager) {
        this.containerd = containerd;
        this.cri = cri;
        this.manager = manager;
    }

    /**
     * @param dataDir the agent's runtime directory; its path must stay short (containerd's socket must fit a sockaddr_un)
     * @param podCidr the node's pod CIDR, which CNI's host-local hands pod IPs from
     * @param bridge  the Linux bridge the pods attach to
     */
    public static LocalRuntime start(Path dataDir, String podCidr, String bridge) throws IOException {
        return start(dataDir, podCidr, bridge, dev.skiff.agent.kubelet.network.dns.Configurer.hostOnly(),
                dev.skiff.agent.kubelet.events.ContainerEvents.logged());
    }

    /** As {@link #start(Path, String, String)}, the runtime's container events (Killing, hook failures) going to {@code events}. */
    public static LocalRuntime start(Path dataDir, String podCidr, String bridge, dev.skiff.agent.kubelet.events.ContainerEvents events)
            throws IOException {
        return start(dataDir, podCidr, bridge, dev.skiff.agent.kubelet.network.dns.Configurer.hostOnly(), events);
    }

    /**
     * As {@link #start(Path, String, String)}, pods' resolv.conf formed by {@code dns} (the kubelet's --cluster-dns,
     * --cluster-domain, --resolv-conf), the runtime's container events going to {@code events}.
     */
    public static LocalRuntime start(Path dataDir, String podCidr, String bridge, dev.skiff.agent.kubelet.network.dns.Configurer dns,
                                     dev.skiff.agent.kubelet.events.ContainerEvents events) throws IOException {
        return start(dataDir, podCidr, bridge, dns, events, dev.skiff.agent.containerd.registries.Registries.NONE);
    }

    /** As {@link #start(Path, String, String, dev.skiff.agent.kubelet.network.dns.Configurer, dev.skiff.agent.kubelet.events.ContainerEvents)}, containerd pulling as {@code registries} says (mirrors, TLS, node-wide credentials). */
    public static LocalRuntime start(Path dataDir, String podCidr, String bridge, dev.skiff.agent.kubelet.network.dns.Configurer dns,
                                     dev.skiff.agent.kubelet.events.ContainerEvents events,
                                     dev.skiff.agent.containerd.registries.Registries registries) throws IOException {
        Files.createDirectories(dataDir);
        var containerd = Containerd.start(ContainerdConfig.defaults(dataDir, podCidr, bridge).withRegistries(registries), Duration.ofSeconds(60));
        try {
            importLocalImages(containerd, dataDir.resolve("images"));
            var cri = RemoteRuntime.connect(containerd.endpoint(), Duration.ofSeconds(30));
            var rewrites = new dev.skiff.agent.containerd.registries.Rewrites(registries,
                    new ImageImporter(ImageImporter.CTR, containerd.config().socket()));
            return new LocalRuntime(containerd, cri, new KubeRuntimeManager(cri, dataDir.resolve("pods"), dns, events).withRewrites(rewrites));
        } catch (IOException | RuntimeException e) {
            containerd.teardown();
            containerd.close();
            throw e;
        }
    }

    /** Builds the images of {@link LocalImages} as OCI archives under {@code archives} and imports them into containerd. */
    public static void importLocalImages(Containerd containerd, Path archives) throws IOException {
        ImageImporter importer = new ImageImporter(ImageImporter.CTR, containerd.config().socket());
        for (var recipe : LocalImages.fromDebian().all()) {
            Path archive = archives.resolve(recipe.name().replaceAll("[/:]", "_") + ".tar");
            OciArchive.write(recipe, archive);
            importer.importArchive(archive);
        }
    }

    /** Imports the image archives found in {@code dir} (the agent's airgap directory); see {@link ImageImporter#importDirectory}. */
    public int importImages(Path dir) throws IOException {
        return new ImageImporter(ImageImporter.CTR, containerd.config().socket()).importDirectory(dir);
    }

    public KubeRuntimeManager manager() {
        return manager;
    }

    /** The CRI client on this runtime's socket. */
    public RemoteRuntime cri() {
        return cri;
    }

    /** The image the runtime makes pod sandboxes from (containerd's sandbox_image). */
    public String sandboxImage() {
        return containerd.config().sandboxImage();
    }

    /** "containerd://<version>" as nodeInfo.containerRuntimeVersion reports it. */
    public String runtimeVersion() {
        var v = cri.version();
        return v.getRuntimeName() + "://" + v.getRuntimeVersion();
    }

    /** Stops containerd and leaves the pods running (their shims stay), for a runtime started again on the same directory. */
    public void stop() {
        cri.close();
        containerd.stop();
    }

    /**
     * Tears down what a runtime {@link #stop stopped} (or killed) on {@code dataDir} left: containerd started again on the
     * config it ran with, then {@link Containerd#teardown} and {@link Containerd#close} as {@link #close} does (every pod
     * sandbox with its network, the bridge, containerd and its shims). Nothing is started when no runtime ran there or it
     * was already torn down (the teardown removes the network config).
     *
     * @return how many pod sandboxes were torn down, or -1 when there was nothing to tear down
     */
    public static int teardown(Path dataDir) throws IOException {
        var config = ContainerdConfig.written(dataDir);
        if (config.isEmpty()) {
            return -1;
        }
        var containerd = Containerd.start(config.get(), Duration.ofSeconds(60));
        try {
            return containerd.teardown();
        } finally {
            containerd.close();
        }
    }

    @Override
    public void close() throws IOException {
        cri.close();
        containerd.teardown();
        containerd.close();
    }
}
