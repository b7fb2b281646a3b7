package dev.skiff.registry.core.persistentvolume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.api.errors.ApiException;
import dev.skiff.registry.generic.GenericRegistry;
import dev.skiff.store.embedded.EmbeddedStore;
import dev.skiff.store.embedded.EmbeddedStoreConfig;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PersistentVolumeStrategyTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
    private final PersistentVolumeStrategy strategy = new PersistentVolumeStrategy(CLOCK);

    static PersistentVolumeBuilder pv(String name) {
        return new PersistentVolumeBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec()
                .withCapacity(Map.of("storage", new Quantity("1Gi"))).withAccessModes("ReadWriteOnce")
                .withNewHostPath().withPath("/data").endHostPath().endSpec();
    }

    private List<String> errors(PersistentVolume pv) {
        strategy.prepareForCreate(pv);
        return strategy.validate(pv).stream().map(c -> c.field() + ": " + c.message()).toList();
    }

    @Test
    void defaultsRetainFilesystemAndAPendingStatus() {
        PersistentVolume pv = pv("pv1").withNewStatus().withPhase("Bound").endStatus().build();
        strategy.prepareForCreate(pv);
        assertThat(pv.getSpec().getPersistentVolumeReclaimPolicy()).isEqualTo("Retain");
        assertThat(pv.getSpec().getVolumeMode()).isEqualTo("Filesystem");
        assertThat(pv.getStatus().getPhase()).isEqualTo("Pending");
        assertThat(pv.getStatus().getLastPhaseTransitionTime()).isEqualTo("2026-01-01T00:00:00Z");
        assertThat(strategy.validate(pv)).isEmpty();
    }

    @Test
    void rejectsSpecsAsValidatePersistentVolume() {
        assertThat(errors(pv("a").editSpec().withHostPath(null).endSpec().build()))
                .containsExactly("spec: Required value: must specify a volume type");
        assertThat(errors(pv("a").editSpec().withNewNfs().withServer("nfs").withPath("/x").endNfs().endSpec().build()))
                .containsExactly("spec.nfs: Forbidden: may not specify more than 1 volume type");
        assertThat(errors(pv("a").editSpec().withCapacity(Map.of()).endSpec().build())).containsExactly(
                "spec.capacity: Required value", "spec.capacity: Unsupported value: map[]: supported values: \"storage\"");
        assertThat(errors(pv("a").editSpec().withCapacity(Map.of("storage", new Quantity("0"))).endSpec().build()))
                .containsExactly("spec.capacity[storage]: Invalid value: \"0\": must be greater than zero");
        assertThat(errors(pv("a").editSpec().withAccessModes(List.of()).endSpec().build()))
                .containsExactly("spec.accessModes: Required value");
        assertThat(errors(pv("a").editSpec().withAccessModes("ReadWriteOncePod", "ReadWriteMany", "Sometimes").endSpec().build()))
                .containsExactly("spec.accessModes: Unsupported value: \"Sometimes\": supported values: \"ReadOnlyMany\", "
                                + "\"ReadWriteMany\", \"ReadWriteOnce\", \"ReadWriteOncePod\"",
                        "spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes");
        assertThat(errors(pv("a").editSpec().withPersistentVolumeReclaimPolicy("Keep").endSpec().build())).containsExactly(
                "spec.persistentVolumeReclaimPolicy: Unsupported value: \"Keep\": supported values: \"Delete\", \"Recycle\", \"Retain\"");
        assertThat(errors(pv("a").editSpec().withHostPath(null).withNewLocal().withPath("/mnt").endLocal().endSpec().build()))
                .containsExactly("spec.nodeAffinity: Required value: Local volume requires node affinity");
        assertThat(errors(pv("a").editSpec().withHostPath(null).withNewCsi().withVolumeHandle("h").endCsi().endSpec().build()))
                .containsExactly("spec.csi.driver: Required value", "spec.csi.driver: Invalid value: \"\": a lowercase RFC 1123 "
                        + "subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an "
                        + "alphanumeric character (e.g. 'example.com', regex used for validation is "
                        + "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
        assertThat(errors(pv("a").editSpec().withVolumeMode("Raw").endSpec().build())).containsExactly(
                "spec.volumeMode: Unsupported value: \"Raw\": supported values: \"Block\", \"Filesystem\"");
    }

    @Test
    void theVolumeSourceAndModeAreImmutable() {
        PersistentVolume old = pv("a").build();
        strategy.prepareForCreate(old);
        PersistentVolume changed = pv("a").editSpec().editHostPath().withPath("/other").endHostPath().withVolumeMode("Block").endSpec().build();
        strategy.prepareForUpdate(changed, old);
        assertThat(strategy.validateUpdate(changed, old)).extracting(c -> c.field() + ": " + c.message()).containsExactly(
                "spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation",
                "volumeMode: Invalid value: \"Block\": field is immutable");
        PersistentVolume resized = pv("a").editSpec().withCapacity(Map.of("storage", new Quantity("2Gi"))).endSpec().build();
        strategy.prepareForUpdate(resized, old);
        assertThat(strategy.validateUpdate(resized, old)).isEmpty();
    }

    @Test
    void statusIsWrittenOnlyThroughTheStatusSubresource(@TempDir Path dir) throws Exception {
        try (var store = EmbeddedStore.open(EmbeddedStoreConfig.defaults(dir))) {
            var registry = new GenericRegistry<>(store, PersistentVolumeStrategy.RESOURCE, strategy, CLOCK, new SplittableRandom(1));
            PersistentVolume created = registry.create(null, pv("pv1").build(), false);
            assertThat(created.getStatus().getPhase()).isEqualTo("Pending");
            assertThat(created.getMetadata().getGeneration()).isNull();

            PersistentVolume update = pv("pv1").editSpec().withStorageClassName("slow").endSpec()
                    .withNewStatus().withPhase("Failed").endStatus().build();
            update.getMetadata().setResourceVersion(created.getMetadata().getResourceVersion());
            PersistentVolume updated = registry.update(null, "pv1", update, false).object();
            assertThat(updated.getSpec().getStorageClassName()).isEqualTo("slow");
            assertThat(updated.getStatus().getPhase()).isEqualTo("Pending");

            PersistentVolume status = pv("pv1").editSpec().withStorageClassName("ignored").endSpec()
                    .withNewStatus().withPhase("Available").endStatus().build();
            status.getMetadata().setResourceVersion(updated.getMetadata().getResourceVersion());
            PersistentVolume available = registry.subresource("status").orElseThrow().update(null, "pv1", status, false).object();
            assertThat(available.getStatus().getPhase()).isEqualTo("Available");
            assertThat(available.getStatus().getLastPhaseTransitionTime()).isEqualTo("2026-01-01T00:00:00Z");
            assertThat(available.getSpec().getStorageClassName()).isEqualTo("slow");

            assertThatThrownBy(() -> registry.create(null, pv("pv2").editSpec().withAccessModes(List.of()).endSpec().build(), false))
                    .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(422));
        }
    }
}
