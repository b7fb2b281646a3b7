package dev.skiff.cli.server.deploy;

import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchService;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's auto-deploy directory, as k3s's deploy controller: every manifest ({@code *.yaml}, {@code *.yml},
 * {@code *.json}; several YAML documents and Lists too) in {@code <data-dir>/server/manifests} is applied with
 * server-side apply at start and again whenever its content changes. The directory is watched, and rescanned every
 * {@code rescan} in case an event was missed. A file that cannot be read, parsed or applied is logged in one line and
 * tried again only once its content changes; the other files are not held up by it.
 */
public final class ManifestDeployer implements AutoCloseable {
    /** The field manager the objects are applied as. */
    public static final String FIELD_MANAGER = "skiff-deploy";
    private static final Logger log = LoggerFactory.getLogger(ManifestDeployer.class);

    private final KubernetesClient client;
    private final Path dir;
    private final Duration rescan;
    private final WatchService watcher;
    /** File -> SHA-256 of the content last applied (or last failed), so only changes are applied again. */
    private final Map<Path, String> applied = new HashMap<>();
    private final Thread loop;

    private ManifestDeployer(KubernetesClient client, Path dir, Duration rescan) throws IOException {
        this.client = client;
        this.dir = dir;
        this.rescan = rescan;
        Files.createDirectories(dir);
        this.watcher = FileSystems.getDefault().newWatchService();
        dir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                StandardWatchEventKinds.ENTRY_DELETE);
        this.loop = Thread.ofVirtual().name("auto-deploy").unstarted(this::run);
    }

    /** Applies what {@code dir} holds now (returning once done), then keeps applying what is added or changed. */
    public static ManifestDeployer start(KubernetesClient client, Path dir, Duration rescan) throws IOException {
        var deployer = new ManifestDeployer(client, dir, rescan);
        deployer.scan();
        deployer.loop.start();
        log.info("auto-deploy watching dir={}", dir);
        return deployer;
    }

    private void run() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                var key = watcher.poll(rescan.toMillis(), TimeUnit.MILLISECONDS);
                if (key != null) {
                    key.pollEvents();
                    key.reset();
                    // an editor writes a file in several steps: let it finish before reading
                    Thread.sleep(200);
                    var more = watcher.poll();
                    while (more != null) {
                        more.pollEvents();
                        more.reset();
                        more = watcher.poll();
                    }
                }
                scan();
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closed
        }
    }

    /** Applies every manifest whose content differs from what was last applied. */
    void scan() {
        List<Path> files;
        try (Stream<Path> listing = Files.list(dir)) {
            files = listing.filter(ManifestDeployer::isManifest).filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            log.error("auto-deploy: cannot list {}: {}", dir, e.toString());
            return;
        }
        applied.keySet().retainAll(files);
        Map<String, Boolean> namespaced = new HashMap<>();
        for (Path file : files) {
            byte[] content;
            try {
                content = Files.readAllBytes(file);
            } catch (IOException e) {
                log.error("auto-deploy: {}: cannot read: {}", file, e.toString());
                continue;
            }
            String hash = sha256(content);
            if (hash.equals(applied.put(file, hash))) {
                continue;
            }
            try {
                int count = apply(content, namespaced);
                log.info("auto-deploy: applied file={} objects={}", file, count);
            } catch (RuntimeException e) {
                log.error("auto-deploy: {}: {}", file, oneLine(e));
            }
        }
    }

    static boolean isManifest(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return !name.startsWith(".") && (name.endsWith(".yaml") || name.endsWith(".yml") || name.endsWith(".json"));
    }

    /** Parses every object of one file first (a file that does not parse applies nothing), then applies them in order. */
    private int apply(byte[] content, Map<String, Boolean> namespaced) {
        List<HasMetadata> objects = client.load(new ByteArrayInputStream(content)).items();
        for (HasMetadata object : objects) {
            if (object == null || object.getKind() == null || object.getApiVersion() == null) {
                throw new IllegalArgumentException("an object without apiVersion or kind");
            }
            if (object.getMetadata() == null || object.getMetadata().getName() == null) {
                throw new IllegalArgumentException(object.getKind() + " without metadata.name");
            }
        }
        for (HasMetadata object : objects) {
            io.fabric8.kubernetes.client.dsl.Resource<HasMetadata> resource = client.resource(object);
            if (namespaced.computeIfAbsent(object.getApiVersion() + "/" + object.getKind(), k -> isNamespaced(object))) {
                String ns = object.getMetadata().getNamespace();
                resource = client.resource(object).inNamespace(ns == null || ns.isEmpty() ? "default" : ns);
            }
            resource.fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
        }
        return objects.size();
    }

    /** Whether the API server serves {@code object}'s kind namespaced, from its discovery document. */
    private boolean isNamespaced(HasMetadata object) {
        APIResourceList resources = client.getApiResources(object.getApiVersion());
        if (resources != null) {
            for (APIResource r : resources.getResources()) {
                if (object.getKind().equals(r.getKind()) && !r.getName().contains("/")) {
                    return Boolean.TRUE.equals(r.getNamespaced());
                }
            }
        }
        throw new IllegalArgumentException("no resource of kind " + object.getKind() + " is served in " + object.getApiVersion());
    }

    private static String oneLine(Throwable e) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        if (e instanceof io.fabric8.kubernetes.client.KubernetesClientException k && k.getStatus() != null
                && k.getStatus().getMessage() != null) {
            message = k.getStatus().getMessage();
        }
        return message.replaceAll("\\s*\\R\\s*", " ").strip();
    }

    private static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws IOException {
        loop.interrupt();
        watcher.close();
        try {
            loop.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
