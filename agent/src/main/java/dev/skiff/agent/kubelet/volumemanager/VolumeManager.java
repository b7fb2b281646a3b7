package dev.skiff.agent.kubelet.volumemanager;

import dev.skiff.agent.cri.v1.Mount;
import dev.skiff.agent.cri.v1.MountPropagation;
import dev.skiff.agent.kubelet.envvars.EnvResolver;
import dev.skiff.agent.kubelet.token.TokenManager;
import dev.skiff.agent.volume.Volume;
import dev.skiff.agent.volume.configmap.ConfigMapVolume;
import dev.skiff.agent.volume.downwardapi.DownwardApiVolume;
import dev.skiff.agent.volume.emptydir.EmptyDir;
import dev.skiff.agent.volume.hostpath.HostPath;
import dev.skiff.agent.volume.projected.ProjectedVolume;
import dev.skiff.agent.volume.secret.SecretVolume;
import dev.skiff.agent.volume.util.AtomicWriter;
import dev.skiff.agent.volume.util.Mounts;
import dev.skiff.agent.volume.util.WrappedVolume;
import dev.skiff.client.record.EventRecorder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pods' volumes on this node (upstream: pkg/kubelet/volumemanager with the in-tree plugins of
 * pkg/volume): {@link #mountPod} sets up every volume of a pod under
 * {@code <pods dir>/<uid>/volumes/kubernetes.io~<plugin>/<name>} before its containers start, and
 * again once per {@code remountPeriod} so configMap, secret, downwardAPI and projected contents follow
 * their sources into running pods (upstream's periodic remount in the sync loop);
 * {@link #mounts} turns a container's volumeMounts into CRI mounts (readOnly, subPath,
 * mountPropagation); {@link #unmountPod} tears everything down when the pod is gone. A volume that
 * cannot be set up fails the pod's sync with a {@link VolumeSetUpException} and a FailedMount warning
 * event carrying upstream's message; the pod stays ContainerCreating and is tried again.
 */
public final class VolumeManager implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VolumeManager.class);
    /** How long an identical FailedMount event is held back (the recorder aggregates repeats; this keeps them from coming every second). */
    private static final Duration EVENT_REPEAT = Duration.ofMinutes(1);

    private final KubernetesClient client;
    private final TokenManager tokens;
    private final Path podsDir;
    private final EnvResolver env;
    private final EventRecorder events;
    private final Duration remountPeriod;
    private final Clock clock;
    private final Map<String, PodVolumes> pods = new ConcurrentHashMap<>();
    private final Map<String, Instant> eventsSent = new ConcurrentHashMap<>();

    private record PodVolumes(Map<String, Volume> volumes, Instant setUpAt) {
    }

    /**
     * @param podsDir       the kubelet's pods directory (upstream's /var/lib/kubelet/pods)
     * @param remountPeriod how often a running pod's volumes are set up again (upstream's sync frequency, 1 minute)
     */
    public VolumeManager(KubernetesClient client, Path podsDir, EnvResolver env, EventRecorder events, Duration remountPeriod, Clock clock)
            throws IOException {
        this(client, podsDir, env, events, remountPeriod, clock, java.util.Set.of());
    }

    /**
     * As the other constructor, the directories of the pods in {@code runningPodUids} (still running from the agent's
     * previous run, to be adopted) left in place while those of other pods a previous run left are removed.
     */
    public VolumeManager(KubernetesClient client, Path podsDir, EnvResolver env, EventRecorder events, Duration remountPeriod, Clock clock,
                         java.util.Set<String> runningPodUids) throws IOException {
        this.client = client;
        this.tokens = new TokenManager(client, clock);
        this.podsDir = podsDir;
        this.env = env;
        this.events = events;
        this.remountPeriod = remountPeriod;
        this.clock = clock;
        Files.createDirectories(podsDir);
        removeOrphans(runningPodUids);
    }

    /** Sets up the pod's volumes (again once the remount period has passed since the last time). */
    public void mountPod(Pod pod) throws VolumeSetUpException {
        String uid = pod.getMetadata().getUid();
        PodVolumes known = pods.get(uid);
        if (known != null && clock.instant().isBefore(known.setUpAt().plus(remountPeriod))) {
            return;
        }
        Map<String, Volume> volumes = new LinkedHashMap<>();
        for (var spec : pod.getSpec().getVolumes() == null ? List.<io.fabric8.kubernetes.api.model.Volume>of() : pod.getSpec().getVolumes()) {
            try {
                Volume volume = volume(pod, spec);
                volume.setUp();
                volumes.put(spec.getName(), volume);
            } catch (IOException | RuntimeException e) {
                // what was set up stays known, so a teardown finds it even if the pod never starts; tried again at the next sync
                PodVolumes previous = pods.get(uid);
                Map<String, Volume> all = new LinkedHashMap<>(previous == null ? Map.of() : previous.volumes());
                all.putAll(volumes);
                pods.put(uid, new PodVolumes(all, Instant.EPOCH));
                String message = "MountVolume.SetUp failed for volume \"" + spec.getName() + "\" : " + e.getMessage();
                failedMount(pod, message);
                throw new VolumeSetUpException(message, e);
            }
        }
        pods.put(uid, new PodVolumes(volumes, clock.instant()));
        eventsSent.keySet().removeIf(k -> k.startsWith(uid + "/"));
    }

    private void failedMount(Pod pod, String message) {
        String key = pod.getMetadata().getUid() + "/" + message;
        Instant last = eventsSent.get(key);
        if (last == null || !clock.instant().isBefore(last.plus(EVENT_REPEAT))) {
            eventsSent.put(key, clock.instant());
            LOG.info("pod {}/{}: {}", pod.getMetadata().getNamespace(), pod.getMetadata().getName(), message);
            events.event(pod, EventRecorder.WARNING, "FailedMount", message);
        }
    }

    /** The directory of one of a pod's volumes: {@code <pods dir>/<uid>/volumes/<plugin dir>/<name>}. */
    public Path volumeDir(String podUid, String pluginDir, String name) {
        return podsDir.resolve(podUid).resolve("volumes").resolve(pluginDir).resolve(name);
    }

    /** A tmpfs emptyDir under an API data volume (secret, downwardAPI, projected), sized as a memory emptyDir without sizeLimit. */
    private EmptyDir memoryDir(Pod pod, String pluginDir, String name) {
        return new EmptyDir(volumeDir(pod.getMetadata().getUid(), pluginDir, name), true, memoryVolumeSize(pod, null));
    }

    /** The plugin for a volume of the pod (upstream: the volume plugin manager's FindPluginBySpec). */
    private Volume volume(Pod pod, io.fabric8.kubernetes.api.model.Volume spec) throws IOException {
        String uid = pod.getMetadata().getUid();
        String ns = pod.getMetadata().getNamespace();
        String name = spec.getName();
        String podIp = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
        String hostIp = pod.getStatus() == null ? null : pod.getStatus().getHostIP();
        if (spec.getEmptyDir() != null) {
            boolean memory = "Memory".equals(spec.getEmptyDir().getMedium());
            return new EmptyDir(volumeDir(uid, EmptyDir.PLUGIN_DIR, name), memory, memory ? memoryVolumeSize(pod, spec.getEmptyDir().getSizeLimit()) : null);
        }
        if (spec.getHostPath() != null) {
            return new HostPath(Path.of(spec.getHostPath().getPath()), spec.getHostPath().getType());
        }
        if (spec.getConfigMap() != null) {
            var s = spec.getConfigMap();
            boolean optional = Boolean.TRUE.equals(s.getOptional());
            return new WrappedVolume(new EmptyDir(volumeDir(uid, ConfigMapVolume.PLUGIN_DIR, name), false, null), () -> ConfigMapVolume.payload(
                    ConfigMapVolume.read(client, ns, s.getName(), optional), s.getItems(), s.getDefaultMode(), optional), clock);
        }
        if (spec.getSecret() != null) {
            var s = spec.getSecret();
            boolean optional = Boolean.TRUE.equals(s.getOptional());
            return new WrappedVolume(memoryDir(pod, SecretVolume.PLUGIN_DIR, name), () -> SecretVolume.payload(
                    SecretVolume.read(client, ns, s.getSecretName(), optional), s.getItems(), s.getDefaultMode(), optional), clock);
        }
        if (spec.getDownwardAPI() != null) {
            var s = spec.getDownwardAPI();
            return new WrappedVolume(memoryDir(pod, DownwardApiVolume.PLUGIN_DIR, name),
                    () -> DownwardApiVolume.payload(pod, s.getItems(), s.getDefaultMode(), env, podIp, hostIp), clock);
        }
        if (spec.getProjected() != null) {
            return new WrappedVolume(memoryDir(pod, ProjectedVolume.PLUGIN_DIR, name),
                    () -> ProjectedVolume.payload(client, tokens, pod, spec.getProjected(), env, podIp, hostIp), clock);
        }
        if (spec.getPersistentVolumeClaim() != null) {
            return claimed(ns, spec.getPersistentVolumeClaim().getClaimName());
        }
        throw new IOException("volume type not supported by this node (emptyDir, hostPath, configMap, secret, downwardAPI, projected and "
                + "persistentVolumeClaim bound to hostPath or local volumes are)");
    }

    /**
     * The size of a memory-backed emptyDir (upstream's calculateEmptyDirMemorySize): the node's
     * allocatable memory, lowered to the pod's memory limit and then to the volume's sizeLimit when
     * those are smaller. The pod has a memory limit when every container declares one: the sum of
     * the app containers' or the largest init container's, whichever is more.
     */
    private Long memoryVolumeSize(Pod pod, Quantity sizeLimit) {
        long size = bytes(env.nodeAllocatable("memory"));
        Long podLimit = podMemoryLimit(pod);
        if (podLimit != null && podLimit > 0 && podLimit <= size) {
            size = podLimit;
        }
        if (sizeLimit != null && bytes(sizeLimit) > 0 && bytes(sizeLimit) <= size) {
            size = bytes(sizeLimit);
        }
        return size;
    }

    private static Long podMemoryLimit(Pod pod) {
        long sum = 0;
        for (Container c : pod.getSpec().getContainers()) {
            Long limit = memoryLimit(c);
            if (limit == null) {
                return null;
            }
            sum += limit;
        }
        for (Container c : pod.getSpec().getInitContainers() == null ? List.<Container>of() : pod.getSpec().getInitContainers()) {
            Long limit = memoryLimit(c);
            if (limit == null) {
                return null;
            }
            sum = Math.max(sum, limit);
        }
        return sum;
    }

    private static Long memoryLimit(Container c) {
        var r = c.getResources();
        Quantity q = r == null || r.getLimits() == null ? null : r.getLimits().get("memory");
        return q == null ? null : bytes(q);
    }

    private static long bytes(Quantity q) {
        return Quantity.getAmountInBytes(q).setScale(0, RoundingMode.UP).longValueExact();
    }

    /** A claim's bound PersistentVolume, as upstream reads PVC then PV; hostPath and local volumes are the node's paths. */
    private Volume claimed(String ns, String claimName) throws IOException {
        PersistentVolumeClaim claim = client.persistentVolumeClaims().inNamespace(ns).withName(claimName).get();
        if (claim == null) {
            throw new IOException("persistentvolumeclaim \"" + claimName + "\" not found");
        }
        String volumeName = claim.getSpec().getVolumeName();
        if (volumeName == null || volumeName.isEmpty()) {
            throw new IOException("PVC " + ns + "/" + claimName + " has not been bound");
        }
        PersistentVolume pv = client.persistentVolumes().withName(volumeName).get();
        if (pv == null) {
            throw new IOException("persistentvolume \"" + volumeName + "\" not found");
        }
        if (pv.getSpec().getClaimRef() != null && !claimName.equals(pv.getSpec().getClaimRef().getName())) {
            throw new IOException("persistentvolume \"" + volumeName + "\" is bound to another claim: "
                    + pv.getSpec().getClaimRef().getNamespace() + "/" + pv.getSpec().getClaimRef().getName());
        }
        if (pv.getSpec().getHostPath() != null) {
            return new HostPath(Path.of(pv.getSpec().getHostPath().getPath()), pv.getSpec().getHostPath().getType());
        }
        if (pv.getSpec().getLocal() != null) {
            Path path = Path.of(pv.getSpec().getLocal().getPath());
            if (!Files.exists(path)) {
                throw new IOException("path \"" + path + "\" does not exist");
            }
            return new HostPath(path, "");
        }
        throw new IOException("persistentvolume \"" + volumeName + "\": only hostPath and local volumes are supported by this node");
    }

    /**
     * A container's volumeMounts as CRI mounts (upstream: kubelet_pods.go makeMounts): the volume's
     * host path, or the subPath (subPathExpr expanded with the container's env) inside it - created
     * as a directory when missing, and refused when it leaves the volume; read-only when the mount or
     * the volume says so; propagation None (private), HostToContainer (rslave) or Bidirectional
     * (rshared, privileged containers only). Call after {@link #mountPod}.
     */
    public List<Mount> mounts(Pod pod, Container container) {
        if (container.getVolumeMounts() == null || container.getVolumeMounts().isEmpty()) {
            return List.of();
        }
        PodVolumes known = pods.get(pod.getMetadata().getUid());
        List<Mount> mounts = new ArrayList<>();
        for (VolumeMount vm : container.getVolumeMounts()) {
            Volume volume = known == null ? null : known.volumes().get(vm.getName());
            if (volume == null) {
                throw new IllegalArgumentException("cannot find volume \"" + vm.getName() + "\" to mount into container \""
                        + container.getName() + "\"");
            }
            Path hostPath = volume.path();
            String subPath = vm.getSubPathExpr() != null && !vm.getSubPathExpr().isEmpty()
                    ? EnvResolver.expand(vm.getSubPathExpr(), envOf(container)) : vm.getSubPath();
            if (subPath != null && !subPath.isEmpty()) {
                hostPath = subPath(volume.path(), subPath);
            }
            mounts.add(Mount.newBuilder().setContainerPath(vm.getMountPath()).setHostPath(hostPath.toString())
                    .setReadonly(Boolean.TRUE.equals(vm.getReadOnly()) || volume.readOnly())
                    .setPropagation(propagation(container, vm)).build());
        }
        return mounts;
    }

    private static Map<String, String> envOf(Container container) {
        Map<String, String> out = new LinkedHashMap<>();
        if (container.getEnv() != null) {
            container.getEnv().forEach(e -> out.put(e.getName(), e.getValue() == null ? "" : e.getValue()));
        }
        return out;
    }

    /** Upstream's subpath checks: relative, no {@code ..}, and (symlinks resolved) still inside the volume. */
    static Path subPath(Path volume, String subPath) {
        if (subPath.startsWith("/")) {
            throw new IllegalArgumentException("error SubPath `" + subPath + "` must not be an absolute path");
        }
        for (String element : subPath.split("/")) {
            if (element.equals("..")) {
                throw new IllegalArgumentException("error SubPath `" + subPath + "` must not contain '..'");
            }
        }
        try {
            Path path = volume.resolve(subPath);
            if (!Files.exists(path)) {
                Files.createDirectories(path);
            }
            Path real = path.toRealPath();
            if (!real.startsWith(volume.toRealPath())) {
                throw new IllegalArgumentException("subpath \"" + subPath + "\" not within volume path \"" + volume + "\"");
            }
            return real;
        } catch (IOException e) {
            throw new IllegalArgumentException("failed to prepare subPath for volumeMount " + subPath + ": " + e.getMessage(), e);
        }
    }

    private static MountPropagation propagation(Container container, VolumeMount vm) {
        String mode = vm.getMountPropagation() == null ? "None" : vm.getMountPropagation();
        return switch (mode) {
            case "None" -> MountPropagation.PROPAGATION_PRIVATE;
            case "HostToContainer" -> MountPropagation.PROPAGATION_HOST_TO_CONTAINER;
            case "Bidirectional" -> {
                if (container.getSecurityContext() == null || !Boolean.TRUE.equals(container.getSecurityContext().getPrivileged())) {
                    throw new IllegalArgumentException("Bidirectional mount propagation is available only to privileged containers");
                }
                yield MountPropagation.PROPAGATION_BIDIRECTIONAL;
            }
            default -> throw new IllegalArgumentException("invalid MountPropagation mode: " + mode);
        };
    }

    /** Tears down the pod's volumes and removes its directory (upstream: the reconciler's unmount, then the pod dir cleanup). */
    public void unmountPod(String podUid) {
        PodVolumes known = pods.remove(podUid);
        tokens.deleteServiceAccountToken(podUid);
        eventsSent.keySet().removeIf(k -> k.startsWith(podUid + "/"));
        if (known != null) {
            for (var e : known.volumes().entrySet()) {
                try {
                    e.getValue().tearDown();
                } catch (IOException | RuntimeException ex) {
                    LOG.warn("pod {}: tearing down volume {} failed: {}", podUid, e.getKey(), ex.toString());
                }
            }
        }
        removePodDir(podsDir.resolve(podUid));
    }

    /** Removes a pod directory unless something is still mounted inside it (then it is left, and logged). */
    private static void removePodDir(Path dir) {
        try {
            Path real = dir.toAbsolutePath().normalize();
            for (Path p : Mounts.mountPoints().reversed()) { // the newest (innermost) first
                if (p.startsWith(real)) {
                    Mounts.unmount(p);
                }
            }
            for (Path p : Mounts.mountPoints()) {
                if (p.startsWith(real)) {
                    LOG.warn("pod dir {} still has {} mounted; left in place", dir, p);
                    return;
                }
            }
            AtomicWriter.deleteRecursively(dir);
        } catch (IOException e) {
            LOG.warn("removing pod dir {} failed: {}", dir, e.toString());
        }
    }

    /** Pod directories a previous run left (the agent tears its pods down when it stops; a crash may leave mounts). */
    private void removeOrphans(java.util.Set<String> running) throws IOException {
        removeAll(podsDir, running);
    }

    /**
     * Unmounts and removes every pod directory under {@code podsDir} (what {@code skiff killall} does once the pods' containers
     * are gone); nothing when there is no such directory.
     */
    public static void removeAll(Path podsDir) throws IOException {
        if (Files.isDirectory(podsDir)) {
            removeAll(podsDir, java.util.Set.of());
        }
    }

    private static void removeAll(Path podsDir, java.util.Set<String> running) throws IOException {
        try (var list = Files.list(podsDir)) {
            for (Path dir : list.toList()) {
                if (!running.contains(dir.getFileName().toString())) {
                    removePodDir(dir);
                }
            }
        }
    }

    /** Tears down every pod's volumes (the agent stops its pods when it stops). */
    @Override
    public void close() {
        for (String uid : List.copyOf(pods.keySet())) {
            unmountPod(uid);
        }
    }
}
