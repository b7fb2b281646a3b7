package dev.skiff.agent.kubelet.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.agent.cri.v1.Image;
import dev.skiff.agent.kubelet.images.ImageGcManager.EvictionInfo;
import dev.skiff.agent.kubelet.images.ImageGcManager.ImageRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The selection rules of image garbage collection, on listings built here (the CRI calls are proven by NodeAgentContainerdTest). */
class ImageGcManagerTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static Image image(String id, long size, String... tags) {
        return Image.newBuilder().setId(id).setSize(size).addAllRepoTags(List.of(tags)).build();
    }

    private static ImageRecord record(Instant firstDetected, Instant lastUsed, long size) {
        return new ImageRecord(firstDetected, lastUsed, size, false);
    }

    @Test
    void detectionKeepsFirstDetectedMarksUseAndForgetsGoneImages() {
        Map<String, ImageRecord> records = ImageGcManager.detect(Map.of(), List.of(image("a", 10), image("b", 20), image("gone", 5)),
                Set.of("a"), Set.of(), Instant.EPOCH, T0);
        assertThat(records.get("a")).isEqualTo(record(Instant.EPOCH, T0, 10));
        assertThat(records.get("b")).isEqualTo(record(Instant.EPOCH, Instant.EPOCH, 20));

        Instant later = T0.plusSeconds(300);
        records = ImageGcManager.detect(records, List.of(image("a", 10), image("b", 20), image("c", 30)), Set.of("b"), Set.of(), later, later);
        assertThat(records.get("a")).as("no longer used: keeps its last use").isEqualTo(record(Instant.EPOCH, T0, 10));
        assertThat(records.get("b")).isEqualTo(record(Instant.EPOCH, later, 20));
        assertThat(records.get("c")).as("new: detected now").isEqualTo(record(later, Instant.EPOCH, 30));
        assertThat(records).doesNotContainKey("gone");
    }

    @Test
    void theSandboxImageAndImagesTheRuntimePinsArePinned() {
        Map<String, ImageRecord> records = ImageGcManager.detect(Map.of(), List.of(image("pause", 1, "registry.k8s.io/pause:3.10"),
                Image.newBuilder().setId("runtime-pinned").setPinned(true).build(), image("free", 1, "docker.io/library/busybox:1.35")),
                Set.of(), Set.of("registry.k8s.io/pause:3.10"), Instant.EPOCH, T0);
        assertThat(records.get("pause").pinned()).isTrue();
        assertThat(records.get("runtime-pinned").pinned()).isTrue();
        assertThat(records.get("free").pinned()).isFalse();
        assertThat(ImageGcManager.evictionOrder(records, Set.of())).extracting(EvictionInfo::id).containsExactly("free");
    }

    @Test
    void evictionOrderIsLeastRecentlyUsedFirstThenFirstDetectedAndLeavesImagesInUseOut() {
        Map<String, ImageRecord> records = new HashMap<>();
        records.put("used-late", record(T0, T0.plusSeconds(50), 1));
        records.put("used-early", record(T0, T0.plusSeconds(10), 1));
        records.put("never-used-new", record(T0.plusSeconds(5), Instant.EPOCH, 1));
        records.put("never-used-old", record(T0, Instant.EPOCH, 1));
        records.put("in-use", record(T0, T0.plusSeconds(60), 1));
        assertThat(ImageGcManager.evictionOrder(records, Set.of("in-use"))).extracting(EvictionInfo::id)
                .containsExactly("never-used-old", "never-used-new", "used-early", "used-late");
    }

    @Test
    void freeSpaceRemovesInOrderUntilEnoughIsFreedSkippingImagesYoungerThanTheMinimumAge() throws Exception {
        Instant now = T0.plusSeconds(600);
        List<EvictionInfo> order = List.of(
                new EvictionInfo("old-a", record(T0, Instant.EPOCH, 100)),
                new EvictionInfo("young", record(now.minusSeconds(60), Instant.EPOCH, 1000)),
                new EvictionInfo("old-b", record(T0, T0.plusSeconds(1), 100)),
                new EvictionInfo("old-c", record(T0, T0.plusSeconds(2), 100)));
        List<String> removed = new ArrayList<>();
        long freed = ImageGcManager.freeSpace(order, 150, now, Duration.ofMinutes(2), removed::add);
        assertThat(removed).containsExactly("old-a", "old-b");
        assertThat(freed).isEqualTo(200);

        removed.clear();
        assertThat(ImageGcManager.freeSpace(order, Long.MAX_VALUE, now, Duration.ofMinutes(2), removed::add)).isEqualTo(300);
        assertThat(removed).containsExactly("old-a", "old-b", "old-c");

        removed.clear();
        assertThat(ImageGcManager.freeSpace(order, Long.MAX_VALUE, now, Duration.ZERO, removed::add)).isEqualTo(1300);
        assertThat(removed).containsExactly("old-a", "young", "old-b", "old-c");
    }

    @Test
    void aFailedRemovalIsSkippedAndReportedAfterTheOthersAreTried() {
        Instant now = T0.plusSeconds(600);
        List<EvictionInfo> order = List.of(new EvictionInfo("stuck", record(T0, Instant.EPOCH, 100)),
                new EvictionInfo("ok", record(T0, Instant.EPOCH, 100)));
        List<String> removed = new ArrayList<>();
        assertThatThrownBy(() -> ImageGcManager.freeSpace(order, 150, now, Duration.ZERO, id -> {
            if (id.equals("stuck")) {
                throw new IllegalStateException("image is in use by a container");
            }
            removed.add(id);
        })).isInstanceOf(ImageGcManager.ImageGcException.class)
                .hasMessage("wanted to free 150 bytes, but freed 100 bytes space with errors in image deletion: [image is in use by a container]");
        assertThat(removed).containsExactly("ok");
    }

    @Test
    void maximumAgeRemovesImagesUnusedForLongerOnceItHasPassedSinceCollectionBegan() throws Exception {
        Instant began = T0;
        List<EvictionInfo> order = List.of(new EvictionInfo("stale", record(T0, T0.minusSeconds(3600), 1)),
                new EvictionInfo("recent", record(T0, T0.plusSeconds(3000), 1)));
        List<String> removed = new ArrayList<>();
        Duration maxAge = Duration.ofMinutes(30);
        assertThat(ImageGcManager.freeOldImages(order, T0.plusSeconds(1200), began, maxAge, removed::add))
                .as("maxAge has not passed since the start yet").isEqualTo(order);
        assertThat(ImageGcManager.freeOldImages(order, T0.plusSeconds(3600), began, Duration.ZERO, removed::add))
                .as("no maximum age").isEqualTo(order);
        assertThat(removed).isEmpty();

        assertThat(ImageGcManager.freeOldImages(order, T0.plusSeconds(3600), began, maxAge, removed::add))
                .extracting(EvictionInfo::id).containsExactly("recent");
        assertThat(removed).containsExactly("stale");
    }

    @Test
    void usageAndTheAmountToFreeAreUpstreamsIntegerArithmetic() {
        assertThat(ImageGcManager.usagePercent(1000, 149)).isEqualTo(86);
        assertThat(ImageGcManager.usagePercent(1000, 150)).isEqualTo(85);
        assertThat(ImageGcManager.amountToFree(1000, 149, 80)).isEqualTo(51);
        assertThat(ImageGcManager.amountToFree(1000, 1000, 0)).isZero();
    }

    @Test
    void policyIsCheckedAsUpstreamsConstructorChecksIt() {
        assertThatThrownBy(() -> new ImageGcPolicy(101, 80, Duration.ZERO, Duration.ZERO))
                .hasMessage("invalid HighThresholdPercent 101, must be in range [0-100]");
        assertThatThrownBy(() -> new ImageGcPolicy(85, -1, Duration.ZERO, Duration.ZERO))
                .hasMessage("invalid LowThresholdPercent -1, must be in range [0-100]");
        assertThatThrownBy(() -> new ImageGcPolicy(50, 60, Duration.ZERO, Duration.ZERO))
                .hasMessage("LowThresholdPercent 60 can not be higher than HighThresholdPercent 50");
        assertThat(new ImageGcPolicy(0, 0, Duration.ZERO, Duration.ZERO).disabled()).isFalse();
        assertThat(new ImageGcPolicy(100, 80, Duration.ZERO, Duration.ZERO).disabled()).isTrue();
    }
}
