package dev.skiff.agent.kubelet.images;

import dev.skiff.agent.cri.RemoteRuntime;
import dev.skiff.agent.cri.v1.Image;
import dev.skiff.agent.cri.v1.ImageFsInfoRequest;
import dev.skiff.agent.cri.v1.ImageSpec;
import dev.skiff.agent.cri.v1.ListContainersRequest;
import dev.skiff.agent.cri.v1.ListImagesRequest;
import dev.skiff.agent.cri.v1.RemoveImageRequest;
import dev.skiff.client.record.EventRecorder;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Image garbage collection (upstream: pkg/kubelet/images' realImageGCManager with the kubelet's
 * StartGarbageCollection loop). Every {@link #PERIOD} it lists the runtime's images and containers: an image is in
 * use while any container (running or exited) was made from it, and pinned when the runtime pins it or it is the
 * sandbox image, which is never removed. With a maximum age, unused images not used for longer than it are removed
 * first. Then, when the image filesystem's usage (CRI ImageFsInfo's mount point, measured as cAdvisor does with
 * statfs) is at or above the policy's high threshold, unused images are removed - least recently used first, ties
 * by first detection, none younger than the minimum age - until the bytes needed to get down to the low threshold
 * are freed. Not reaching that is a Warning FreeDiskSpaceFailed on the node; a collection failing twice in a row a
 * Warning ImageGCFailed (the first failure only logged, as upstream's).
 */
public final class ImageGcManager implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ImageGcManager.class);

    /** How often images are collected (upstream's ImageGCPeriod). */
    public static final Duration PERIOD = Duration.ofMinutes(5);
    /** Upstream's node event reasons (pkg/kubelet/events). */
    public static final String FREE_DISK_SPACE_FAILED = "FreeDiskSpaceFailed";
    public static final String IMAGE_GC_FAILED = "ImageGCFailed";
    public static final String INVALID_DISK_CAPACITY = "InvalidDiskCapacity";

    /** What is known of one image (upstream's imageRecord); EPOCH stands for upstream's zero time ("never", "unknown"). */
    record ImageRecord(Instant firstDetected, Instant lastUsed, long size, boolean pinned) {
    }

    /** An image that may be removed, in eviction order. */
    record EvictionInfo(String id, ImageRecord record) {
    }

    /** Removes one image by ID (CRI RemoveImage); throws when the runtime cannot. */
    @FunctionalInterface
    interface Remover {
        void remove(String imageId);
    }

    private final RemoteRuntime cri;
    private final ImageGcPolicy policy;
    private final Set<String> pinnedImages;
    private final EventRecorder recorder;
    private final ObjectReference nodeRef;
    private final Clock clock;
    private final Object lock = new Object();
    private Map<String, ImageRecord> records = new HashMap<>();
    private ScheduledExecutorService timer;
    private Instant beganGc;
    private boolean prevFailed;

    /**
     * @param pinnedImages image names never removed besides those the runtime reports pinned: the sandbox image
     * @param recorder     where the node's events go
     */
    public ImageGcManager(RemoteRuntime cri, ImageGcPolicy policy, Set<String> pinnedImages, EventRecorder recorder, String nodeName,
                          Clock clock) {
        this.cri = cri;
        this.policy = policy;
        this.pinnedImages = Set.copyOf(pinnedImages);
        this.recorder = recorder;
        // upstream's nodeRef: kind Node, the node's name as name and UID
        this.nodeRef = new ObjectReferenceBuilder().withKind("Node").withName(nodeName).withUid(nodeName).build();
        this.clock = clock;
        this.beganGc = clock.instant();
    }

    /**
     * Detects the images present now as first seen at an unknown time in the past (upstream's initial detection, so
     * images left by an earlier run are old enough to go), then collects every {@link #PERIOD}. Upstream's loop also
     * runs once right away, but that run fails as a rule (stats not collected yet); here the first one is a period in.
     */
    public ImageGcManager start() {
        beganGc = clock.instant();
        try {
            detectImages(Instant.EPOCH);
        } catch (RuntimeException e) {
            LOG.warn("image GC: failed to monitor images: {}", e.toString());
        }
        if (policy.disabled()) {
            LOG.info("image GC: high threshold is 100%, image garbage collection disabled");
            return this;
        }
        timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("image-gc").factory());
        timer.scheduleWithFixedDelay(this::collectOnce, PERIOD.toMillis(), PERIOD.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** One run of the kubelet's loop: collect, and record ImageGCFailed only when the run before failed too. */
    public synchronized void collectOnce() {
        try {
            garbageCollect();
            if (prevFailed) {
                LOG.info("image GC: succeeded after failing");
            }
            prevFailed = false;
        } catch (ImageGcException | RuntimeException e) {
            if (prevFailed) {
                LOG.error("image GC: failed multiple times in a row: {}", e.getMessage());
                recorder.event(nodeRef, EventRecorder.WARNING, IMAGE_GC_FAILED, e.getMessage());
            } else {
                LOG.warn("image GC: failed once: {}", e.getMessage());
            }
            prevFailed = true;
        }
    }

    /** Applies the policy (upstream's GarbageCollect). */
    public void garbageCollect() throws ImageGcException {
        Instant freeTime = clock.instant();
        List<EvictionInfo> images = imagesInEvictionOrder(freeTime);
        images = freeOldImages(images, freeTime);
        var fs = imageFsUsage();
        long capacity = fs.capacity();
        long available = fs.available();
        if (available > capacity) {
            LOG.info("image GC: available {} is larger than capacity {}", available, capacity);
            available = capacity;
        }
        if (capacity == 0) {
            String msg = "invalid capacity 0 on image filesystem";
            recorder.event(nodeRef, EventRecorder.WARNING, INVALID_DISK_CAPACITY, msg);
            throw new ImageGcException(msg);
        }
        int usagePercent = usagePercent(capacity, available);
        if (usagePercent < policy.highThresholdPercent()) {
            return;
        }
        long amountToFree = amountToFree(capacity, available, policy.lowThresholdPercent());
        LOG.info("image GC: disk usage on image filesystem {} is {}%, at or over the high threshold {}%: trying to free {} bytes"
                + " down to the low threshold {}%", fs.mountpoint(), usagePercent, policy.highThresholdPercent(), amountToFree,
                policy.lowThresholdPercent());
        long freed = freeSpace(images, amountToFree, freeTime, policy.minAge(), this::removeImage);
        if (freed < amountToFree) {
            String msg = "Failed to garbage collect required amount of images. Attempted to free " + amountToFree
                    + " bytes, but only found " + freed + " bytes eligible to free.";
            recorder.event(nodeRef, EventRecorder.WARNING, FREE_DISK_SPACE_FAILED, msg);
            throw new ImageGcException(msg);
        }
    }

    /** Upstream's usage: 100 minus the available share, rounded down. */
    static int usagePercent(long capacity, long available) {
        return 100 - (int) (available * 100 / capacity);
    }

    /** Bytes to free for usage to be at the low threshold. */
    static long amountToFree(long capacity, long available, int lowThresholdPercent) {
        return capacity * (100 - lowThresholdPercent) / 100 - available;
    }

    private List<EvictionInfo> imagesInEvictionOrder(Instant freeTime) {
        Set<String> inUse = detectImages(freeTime);
        synchronized (lock) {
            return evictionOrder(records, inUse);
        }
    }

    /** Lists images and containers, updates the records; returns the IDs of images in use. */
    private Set<String> detectImages(Instant detectTime) {
        List<Image> images = cri.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList();
        Set<String> inUse = new HashSet<>();
        for (var container : cri.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersList()) {
            inUse.add(container.getImageRef());
        }
        synchronized (lock) {
            records = detect(records, images, inUse, pinnedImages, detectTime, clock.instant());
        }
        return inUse;
    }

    /**
     * The records after a listing (upstream's detectImages): new images first detected at {@code detectTime}, those in
     * use last used {@code now}, sizes and pins from the listing (or the image being one of {@code pinnedNames}), gone
     * ones forgotten.
     */
    static Map<String, ImageRecord> detect(Map<String, ImageRecord> records, List<Image> images, Set<String> inUse, Set<String> pinnedNames,
                                           Instant detectTime, Instant now) {
        Map<String, ImageRecord> next = new HashMap<>();
        for (Image image : images) {
            ImageRecord old = records.get(image.getId());
            Instant firstDetected = old == null ? detectTime : old.firstDetected();
            Instant lastUsed = inUse.contains(image.getId()) ? now : old == null ? Instant.EPOCH : old.lastUsed();
            boolean pinned = image.getPinned() || image.getRepoTagsList().stream().anyMatch(pinnedNames::contains);
            next.put(image.getId(), new ImageRecord(firstDetected, lastUsed, image.getSize(), pinned));
        }
        return next;
    }

    /** Images neither in use nor pinned, least recently used first, ties by first detection (upstream's byLastUsedAndDetected). */
    static List<EvictionInfo> evictionOrder(Map<String, ImageRecord> records, Set<String> inUse) {
        List<EvictionInfo> images = new ArrayList<>();
        records.forEach((id, record) -> {
            if (!inUse.contains(id) && !record.pinned()) {
                images.add(new EvictionInfo(id, record));
            }
        });
        images.sort(Comparator.comparing((EvictionInfo e) -> e.record().lastUsed()).thenComparing(e -> e.record().firstDetected()));
        return images;
    }

    /** With a maximum age, once it has passed since collection began, removes images unused for longer; returns the rest. */
    private List<EvictionInfo> freeOldImages(List<EvictionInfo> images, Instant freeTime) throws ImageGcException {
        return freeOldImages(images, freeTime, beganGc, policy.maxAge(), this::removeImage);
    }

    static List<EvictionInfo> freeOldImages(List<EvictionInfo> images, Instant freeTime, Instant beganGc, Duration maxAge, Remover remover)
            throws ImageGcException {
        // before maxAge has passed since the kubelet began, "unused for maxAge" cannot be known yet
        if (maxAge.isZero() || Duration.between(beganGc, freeTime).compareTo(maxAge) <= 0) {
            return images;
        }
        List<EvictionInfo> remaining = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        for (EvictionInfo image : images) {
            if (Duration.between(image.record().lastUsed(), freeTime).compareTo(maxAge) > 0) {
                try {
                    remover.remove(image.id());
                    continue;
                } catch (RuntimeException e) {
                    errors.add(e.getMessage());
                }
            }
            remaining.add(image);
        }
        if (!errors.isEmpty()) {
            throw new ImageGcException("wanted to free images older than " + maxAge + ", encountered errors in image deletion: " + errors);
        }
        return remaining;
    }

    /**
     * Removes images in order until {@code bytesToFree} are freed (upstream's freeSpace): skipped are images used at or after
     * {@code freeTime} and those first detected less than {@code minAge} ago; a failed removal is collected and the next
     * image tried. Returns the bytes freed.
     */
    static long freeSpace(List<EvictionInfo> images, long bytesToFree, Instant freeTime, Duration minAge, Remover remover)
            throws ImageGcException {
        List<String> errors = new ArrayList<>();
        long freed = 0;
        for (EvictionInfo image : images) {
            if (!image.record().lastUsed().isBefore(freeTime)) {
                continue;
            }
            if (Duration.between(image.record().firstDetected(), freeTime).compareTo(minAge) < 0) {
                continue;
            }
            try {
                remover.remove(image.id());
            } catch (RuntimeException e) {
                errors.add(e.getMessage());
                continue;
            }
            freed += image.record().size();
            if (freed >= bytesToFree) {
                break;
            }
        }
        if (!errors.isEmpty()) {
            throw new ImageGcException("wanted to free " + bytesToFree + " bytes, but freed " + freed
                    + " bytes space with errors in image deletion: " + errors);
        }
        return freed;
    }

    private void removeImage(String id) {
        long size;
        synchronized (lock) {
            ImageRecord record = records.get(id);
            size = record == null ? 0 : record.size();
        }
        LOG.info("image GC: removing image={} to free {} bytes", id, size);
        cri.images().removeImage(RemoveImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(id)).build());
        synchronized (lock) {
            records.remove(id);
        }
    }

    /** The image filesystem: CRI ImageFsInfo names its mount point; capacity and available bytes from statfs, as cAdvisor's. */
    record FsUsage(String mountpoint, long capacity, long available) {
    }

    private FsUsage imageFsUsage() throws ImageGcException {
        var info = cri.images().imageFsInfo(ImageFsInfoRequest.getDefaultInstance());
        if (info.getImageFilesystemsCount() == 0) {
            throw new ImageGcException("the runtime reported no image filesystem");
        }
        String mountpoint = info.getImageFilesystems(0).getFsId().getMountpoint();
        try {
            var store = Files.getFileStore(Path.of(mountpoint));
            return new FsUsage(mountpoint, store.getTotalSpace(), store.getUsableSpace());
        } catch (IOException e) {
            throw new ImageGcException("failed to get filesystem info for image filesystem " + mountpoint + ": " + e.getMessage());
        }
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    /** Why a collection failed (its message is the event's). */
    public static final class ImageGcException extends Exception {
        public ImageGcException(String message) {
            super(message);
        }
    }
}
