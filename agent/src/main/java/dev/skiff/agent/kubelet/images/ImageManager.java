package dev.skiff.agent.kubelet.images;

import dev.skiff.agent.containerd.registries.Rewrites;
import dev.skiff.agent.credentialprovider.AuthConfig;
import dev.skiff.agent.credentialprovider.secrets.PullSecretKeyring;
import dev.skiff.agent.cri.RemoteRuntime;
import dev.skiff.agent.cri.v1.ImageSpec;
import dev.skiff.agent.cri.v1.ImageStatusRequest;
import dev.skiff.agent.cri.v1.PodSandboxConfig;
import dev.skiff.agent.cri.v1.PullImageRequest;
import dev.skiff.agent.images.ImageNames;
import dev.skiff.agent.kubelet.events.ContainerEvents;
import dev.skiff.api.core.v1.PodSpecDefaults;
import dev.skiff.client.record.EventRecorder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure a container's image is on the node before the container is created (upstream: pkg/kubelet/images'
 * EnsureImageExists with kuberuntime's PullImage). The container's imagePullPolicy decides: Always pulls each
 * time, IfNotPresent only a missing image, Never never (a missing image is ErrImageNeverPull). A pull uses the
 * credentials of the pod's imagePullSecrets that match the image's registry, each in turn until one works
 * ({@link dev.skiff.agent.credentialprovider.DockerKeyring}), and none when none matches (containerd then uses the
 * registries file's node-wide credentials); an image a registries file rewrites is pulled as {@link Rewrites} says. A failed pull is
 * ErrImagePull and starts a back-off per pod and image (10 s, doubling to 5 min): until it has passed the
 * image is not pulled again and the container waits in ImagePullBackOff. Events as upstream's, on the
 * container: Pulling, Pulled, Failed, BackOff, ErrImageNeverPull.
 */
public final class ImageManager {
    private static final Logger LOG = LoggerFactory.getLogger(ImageManager.class);

    public static final String ERR_IMAGE_PULL = "ErrImagePull";
    public static final String IMAGE_PULL_BACK_OFF = "ImagePullBackOff";
    public static final String ERR_IMAGE_NEVER_PULL = "ErrImageNeverPull";
    public static final String INVALID_IMAGE_NAME = "InvalidImageName";
    /** Upstream's event reasons (pkg/kubelet/events). */
    static final String PULLING = "Pulling";
    static final String PULLED = "Pulled";
    static final String FAILED = "Failed";
    static final String BACK_OFF = "BackOff";

    /** Upstream's image back-off: 10 s after the first failure, doubling up to the container back-off's 300 s. */
    static final Duration BACK_OFF_INITIAL = Duration.ofSeconds(10);
    static final Duration BACK_OFF_MAX = Duration.ofMinutes(5);
    /** How long a pull may take. */
    static final Duration PULL_TIMEOUT = Duration.ofMinutes(10);

    private final RemoteRuntime cri;
    private final ContainerEvents events;
    private final PullSecrets secrets;
    private final Clock clock;
    private final Rewrites rewrites;
    /** pod uid + "_" + image -> the back-off of its pulls; the message of the last failure. */
    private final Map<String, BackOff> backOffs = new ConcurrentHashMap<>();

    public ImageManager(RemoteRuntime cri, ContainerEvents events, PullSecrets secrets, Clock clock) {
        this(cri, events, secrets, clock, Rewrites.NONE);
    }

    private ImageManager(RemoteRuntime cri, ContainerEvents events, PullSecrets secrets, Clock clock, Rewrites rewrites) {
        this.cri = cri;
        this.events = events;
        this.secrets = secrets;
        this.clock = clock;
        this.rewrites = rewrites;
    }

    /** This manager with the pods' pull secrets from {@code secrets}. */
    public ImageManager withPullSecrets(PullSecrets secrets) {
        return new ImageManager(cri, events, secrets, clock, rewrites);
    }

    /** This manager pulling images a registries file's rewrite matches as {@link Rewrites} says. */
    public ImageManager withRewrites(Rewrites rewrites) {
        return new ImageManager(cri, events, secrets, clock, rewrites);
    }

    /**
     * Makes sure the container's image is present, pulling it as its policy says.
     *
     * @throws ImagePullException with the container's waiting reason and message when it is not
     */
    public void ensureImageExists(Pod pod, Container container, PodSandboxConfig sandboxConfig) throws ImagePullException {
        String image = container.getImage();
        String repository;
        try {
            repository = ImageNames.repository(image);
        } catch (IllegalArgumentException e) {
            String msg = "Failed to apply default image tag \"" + image + "\": " + e.getMessage();
            events.event(pod, container.getName(), EventRecorder.WARNING, INVALID_IMAGE_NAME, msg);
            throw new ImagePullException(INVALID_IMAGE_NAME, msg);
        }
        ImageSpec spec = ImageSpec.newBuilder().setImage(image).build();
        String policy = container.getImagePullPolicy() == null || container.getImagePullPolicy().isEmpty()
                ? PodSpecDefaults.imagePullPolicy(image) : container.getImagePullPolicy();
        boolean present = cri.images().imageStatus(ImageStatusRequest.newBuilder().setImage(spec).build()).hasImage();
        boolean pull = "Always".equals(policy) || "IfNotPresent".equals(policy) && !present;
        if (!pull) {
            if (present) {
                events.event(pod, container.getName(), EventRecorder.NORMAL, PULLED, "Container image \"" + image + "\" already present on machine");
                return;
            }
            String msg = "Container image \"" + image + "\" is not present with pull policy of Never";
            events.event(pod, container.getName(), EventRecorder.WARNING, ERR_IMAGE_NEVER_PULL, msg);
            throw new ImagePullException(ERR_IMAGE_NEVER_PULL, msg);
        }
        String key = pod.getMetadata().getUid() + "_" + image;
        BackOff backOff = backOffs.get(key);
        Instant now = clock.instant();
        if (backOff != null && backOff.inBackOff(now)) {
            String msg = "Back-off pulling image \"" + image + "\"";
            events.event(pod, container.getName(), EventRecorder.NORMAL, BACK_OFF, msg);
            events.event(pod, container.getName(), EventRecorder.WARNING, FAILED, "Error: " + IMAGE_PULL_BACK_OFF);
            throw new ImagePullException(IMAGE_PULL_BACK_OFF, msg + ": " + ERR_IMAGE_PULL + ": " + backOff.lastError());
        }
        events.event(pod, container.getName(), EventRecorder.NORMAL, PULLING, "Pulling image \"" + image + "\"");
        long start = System.nanoTime();
        try {
            pullRewrittenOr(pod, spec, repository, sandboxConfig);
        } catch (IOException | StatusRuntimeException e) {
            String msg = e instanceof StatusRuntimeException s && s.getStatus().getDescription() != null ? s.getStatus().getDescription()
                    : e.getMessage();
            events.event(pod, container.getName(), EventRecorder.WARNING, FAILED, "Failed to pull image \"" + image + "\": " + msg);
            events.event(pod, container.getName(), EventRecorder.WARNING, FAILED, "Error: " + ERR_IMAGE_PULL);
            backOffs.computeIfAbsent(key, k -> new BackOff()).failed(clock.instant(), msg);
            throw new ImagePullException(ERR_IMAGE_PULL, msg);
        }
        backOffs.remove(key);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        var status = cri.images().imageStatus(ImageStatusRequest.newBuilder().setImage(spec).build());
        events.event(pod, container.getName(), EventRecorder.NORMAL, PULLED, "Successfully pulled image \"" + image + "\" in "
                + seconds(took) + ". Image size: " + status.getImage().getSize() + " bytes.");
    }

    /** Forgets the pull back-offs of a pod that is gone. */
    public void forgetPod(String uid) {
        backOffs.keySet().removeIf(k -> k.startsWith(uid + "_"));
    }

    /**
     * A registries file's rewrite first ({@link Rewrites}: the rewritten name from the mirror's endpoints, then
     * renamed to the image's own), the image's own name when there is none or that pull fails.
     */
    private void pullRewrittenOr(Pod pod, ImageSpec spec, String repository, PodSandboxConfig sandboxConfig) throws IOException {
        var rewritten = rewrites.pullReference(spec.getImage());
        if (rewritten.isPresent()) {
            try {
                pull(pod, ImageSpec.newBuilder().setImage(rewritten.get()).build(), repository, sandboxConfig);
                rewrites.rename(rewritten.get(), spec.getImage());
                awaitKnown(spec);
                return;
            } catch (IOException | StatusRuntimeException e) {
                LOG.info("pulling image={} as rewritten={} failed, pulling it by its own name: {}", spec.getImage(), rewritten.get(), e.getMessage());
            }
        }
        pull(pod, spec, repository, sandboxConfig);
    }

    /** The CRI plugin learns of an image named with ctr from containerd's events: waits for it, up to 10 s. */
    private void awaitKnown(ImageSpec spec) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!cri.images().imageStatus(ImageStatusRequest.newBuilder().setImage(spec).build()).hasImage()) {
            if (System.nanoTime() > deadline) {
                throw new IOException("the image renamed " + spec.getImage() + " is not known to the runtime");
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
    }

    /**
     * Upstream's kuberuntime PullImage: without matching credentials the image is pulled anonymously, else with
     * each matching credential in turn until a pull succeeds; all failing gives every error.
     */
    private void pull(Pod pod, ImageSpec spec, String repository, PodSandboxConfig sandboxConfig) throws IOException {
        List<AuthConfig> creds = PullSecretKeyring.of(secrets.forPod(pod)).lookup(repository);
        if (creds.isEmpty()) {
            LOG.info("pulling image={}", spec.getImage());
            pullWith(spec, null, sandboxConfig);
            return;
        }
        List<String> errors = new ArrayList<>();
        for (AuthConfig auth : creds) {
            LOG.info("pulling image={} as user={}", spec.getImage(), auth.username());
            try {
                pullWith(spec, auth, sandboxConfig);
                return;
            } catch (StatusRuntimeException e) {
                errors.add(e.getStatus().getDescription() != null ? e.getStatus().getDescription() : e.getMessage());
            }
        }
        throw new IOException(errors.size() == 1 ? errors.getFirst() : "[" + String.join(", ", errors) + "]");
    }

    private void pullWith(ImageSpec spec, AuthConfig auth, PodSandboxConfig sandboxConfig) {
        var request = PullImageRequest.newBuilder().setImage(spec).setSandboxConfig(sandboxConfig);
        if (auth != null) {
            request.setAuth(dev.skiff.agent.cri.v1.AuthConfig.newBuilder().setUsername(auth.username()).setPassword(auth.password())
                    .setAuth(auth.auth()).setServerAddress(auth.serverAddress()).setIdentityToken(auth.identityToken())
                    .setRegistryToken(auth.registryToken()));
        }
        cri.images().withDeadlineAfter(PULL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).pullImage(request.build());
    }

    private static String seconds(Duration d) {
        return String.format(java.util.Locale.ROOT, "%.3fs", d.toNanos() / 1e9);
    }

    /** One pod's image's pull back-off (upstream: flowcontrol.Backoff keyed by pod and image). */
    private static final class BackOff {
        private Duration delay = Duration.ZERO;
        private Instant lastFailure;
        private String lastError;

        synchronized void failed(Instant at, String error) {
            delay = delay.isZero() ? BACK_OFF_INITIAL : delay.multipliedBy(2).compareTo(BACK_OFF_MAX) > 0 ? BACK_OFF_MAX : delay.multipliedBy(2);
            lastFailure = at;
            lastError = error;
        }

        synchronized boolean inBackOff(Instant now) {
            return lastFailure != null && now.isBefore(lastFailure.plus(delay));
        }

        synchronized String lastError() {
            return lastError;
        }
    }
}
