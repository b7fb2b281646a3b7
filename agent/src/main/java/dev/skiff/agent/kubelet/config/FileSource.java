package dev.skiff.agent.kubelet.config;

import dev.skiff.api.core.v1.PodSpecDefaults;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Static pods from files (upstream: pkg/kubelet/config's file source, --pod-manifest-path): a file, or every
 * non-hidden file directly in a directory, holding one Pod in YAML or JSON. Each is read every {@code period}
 * (upstream's --file-check-frequency, 20 s) and handed on as the full set, defaulted as upstream's file source does:
 * named {@code <name>-<nodeName>}, namespace {@code default} when none, bound to the node, its UID the hash of its
 * content, node and file (so a changed file is a new pod), annotated with that hash and source {@code file}, tolerating
 * every NoExecute taint, Pending. A file that cannot be read or is not a valid pod is logged and left out.
 */
public final class FileSource implements AutoCloseable {
    public static final String CONFIG_HASH = "kubernetes.io/config.hash";
    public static final String CONFIG_SOURCE = "kubernetes.io/config.source";
    public static final String CONFIG_MIRROR = "kubernetes.io/config.mirror";
    /** The file source's name, as the config.source annotation says it. */
    public static final String SOURCE = "file";
    /** Upstream's default --file-check-frequency. */
    public static final Duration DEFAULT_PERIOD = Duration.ofSeconds(20);

    private static final Logger LOG = LoggerFactory.getLogger(FileSource.class);
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final Pattern DNS1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DNS1123_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    private final Path path;
    private final String nodeName;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("static-pods").factory());
    /** File -> the error last logged for it, so a bad file is said once per problem, not every period. */
    private final Map<Path, String> reported = new LinkedHashMap<>();

    public FileSource(Path path, String nodeName) {
        this.path = path;
        this.nodeName = nodeName;
    }

    /** Reads the pods now and hands them to {@code pods}, then again every {@code period}. */
    public FileSource start(Duration period, Consumer<List<Pod>> pods) {
        pods.accept(read());
        timer.scheduleWithFixedDelay(() -> {
            try {
                pods.accept(read());
            } catch (RuntimeException e) {
                LOG.error("static pods from path={} not updated: {}", path, e.toString());
            }
        }, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** The static pods the path holds now; bad files left out (and logged once while they stay bad). */
    public List<Pod> read() {
        List<Path> files;
        if (Files.isDirectory(path)) {
            try (Stream<Path> listing = Files.list(path)) {
                files = listing.filter(f -> !f.getFileName().toString().startsWith(".")).sorted().toList();
            } catch (IOException e) {
                LOG.error("static pods: cannot list path={}: {}", path, e.toString());
                return List.of();
            }
        } else if (Files.exists(path)) {
            files = List.of(path);
        } else {
            report(path, "path does not exist, ignoring");
            return List.of();
        }
        List<Pod> pods = new ArrayList<>();
        Map<String, Path> names = new LinkedHashMap<>();
        for (Path file : files) {
            if (Files.isDirectory(file)) {
                report(file, "not recursing into manifest path");
                continue;
            }
            try {
                Pod pod = podFromFile(file, Files.readString(file, StandardCharsets.UTF_8), nodeName);
                String key = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
                Path first = names.putIfAbsent(key, file);
                if (first != null) {
                    throw new IllegalArgumentException("pod " + key + " is already defined in " + first + ", ignoring this one");
                }
                pods.add(pod);
                reported.remove(file);
            } catch (IOException | RuntimeException e) {
                report(file, e.getMessage() == null ? e.toString() : e.getMessage().replaceAll("\\s*\\R\\s*", " "));
            }
        }
        reported.keySet().retainAll(files);
        return pods;
    }

    private void report(Path file, String error) {
        if (!error.equals(reported.put(file, error))) {
            LOG.error("static pod manifest file={} not used: {}", file, error);
        }
    }

    /** One file's pod, checked and defaulted as the kubelet runs it on {@code nodeName}. */
    static Pod podFromFile(Path file, String content, String nodeName) {
        Object decoded;
        try {
            decoded = SERIALIZATION.unmarshal(content);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("couldn't parse as pod: " + rootMessage(e), e);
        }
        if (!(decoded instanceof Pod pod)) {
            String kind = decoded instanceof io.fabric8.kubernetes.api.model.KubernetesResource r && r instanceof io.fabric8.kubernetes.api.model.HasMetadata h
                    ? h.getKind() : decoded == null ? "nothing" : decoded.getClass().getSimpleName();
            throw new IllegalArgumentException("couldn't parse as pod: kind " + kind + ", want Pod");
        }
        if (pod.getMetadata() == null || pod.getMetadata().getName() == null || pod.getMetadata().getName().isEmpty()) {
            throw new IllegalArgumentException("invalid pod: metadata.name: Required value");
        }
        if (pod.getSpec() == null || pod.getSpec().getContainers() == null || pod.getSpec().getContainers().isEmpty()) {
            throw new IllegalArgumentException("invalid pod: spec.containers: Required value");
        }
        for (var c : pod.getSpec().getContainers()) {
            if (c.getName() == null || !DNS1123_LABEL.matcher(c.getName()).matches()) {
                throw new IllegalArgumentException("invalid pod: spec.containers.name: Invalid value: \"" + c.getName()
                        + "\": a lowercase RFC 1123 label is required");
            }
            if (c.getImage() == null || c.getImage().isBlank()) {
                throw new IllegalArgumentException("invalid pod: spec.containers[" + c.getName() + "].image: Required value");
            }
        }
        var meta = pod.getMetadata();
        if (meta.getUid() == null || meta.getUid().isEmpty()) {
            meta.setUid(hash(SERIALIZATION.asJson(pod), nodeName, file));
        }
        meta.setName(meta.getName() + "-" + nodeName.toLowerCase(Locale.ROOT));
        if (meta.getName().length() > 253 || !DNS1123_SUBDOMAIN.matcher(meta.getName()).matches()) {
            throw new IllegalArgumentException("invalid pod: metadata.name: Invalid value: \"" + meta.getName()
                    + "\": a lowercase RFC 1123 subdomain is required");
        }
        if (meta.getNamespace() == null || meta.getNamespace().isEmpty()) {
            meta.setNamespace("default");
        }
        pod.getSpec().setNodeName(nodeName);
        Map<String, String> annotations = new LinkedHashMap<>(meta.getAnnotations() == null ? Map.of() : meta.getAnnotations());
        annotations.put(CONFIG_HASH, meta.getUid());
        annotations.put(CONFIG_SOURCE, SOURCE);
        meta.setAnnotations(annotations);
        List<Toleration> tolerations = new ArrayList<>(pod.getSpec().getTolerations() == null ? List.of() : pod.getSpec().getTolerations());
        if (tolerations.stream().noneMatch(t -> "Exists".equals(t.getOperator()) && (t.getKey() == null || t.getKey().isEmpty())
                && "NoExecute".equals(t.getEffect()))) {
            // node problems must not evict what the node itself runs
            tolerations.add(new Toleration("NoExecute", null, "Exists", null, null));
        }
        pod.getSpec().setTolerations(tolerations);
        PodSpecDefaults.apply(pod.getSpec());
        pod.setStatus(new PodStatusBuilder().withPhase("Pending").build());
        return pod;
    }

    /** The static pod's UID: the MD5 of its content, the node and the file, hex as upstream writes it. */
    static String hash(String podJson, String nodeName, Path file) {
        try {
            var md5 = MessageDigest.getInstance("MD5");
            md5.update(podJson.getBytes(StandardCharsets.UTF_8));
            md5.update(("host:" + nodeName).getBytes(StandardCharsets.UTF_8));
            md5.update(("file:" + file).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(md5.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String rootMessage(Throwable e) {
        while (e.getCause() != null) {
            e = e.getCause();
        }
        return String.valueOf(e.getMessage()).lines().findFirst().orElse("");
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
