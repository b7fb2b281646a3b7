package dev.skiff.registry.core.persistentvolumeclaim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.registry.generic.GenericRegistry;
import dev.skiff.store.embedded.EmbeddedStore;
import dev.skiff.store.embedded.EmbeddedStoreConfig;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PersistentVolumeClaimStrategyTest {
    private final PersistentVolumeClaimStrategy strategy = new PersistentVolumeClaimStrategy();

    static PersistentVolumeClaimBuilder pvc(String size) {
        return new PersistentVolumeClaimBuilder().withNewMetadata().withName("data").withNamespace("ns").endMetadata()
                .withNewSpec().withAccessModes("ReadWriteOnce").withNewResources()
                .withRequests(Map.of("storage", new Quantity(size))).endResources().endSpec();
    }

    private List<String> errors(PersistentVolumeClaim pvc) {
        strategy.prepareForCreate(pvc);
        return strategy.validate(pvc).stream().map(c -> c.field() + ": " + c.message()).toList();
    }

    private List<String> updateErrors(PersistentVolumeClaim pvc, PersistentVolumeClaim old) {
        strategy.prepareForUpdate(pvc, old);
        return strategy.validateUpdate(pvc, old).stream().map(c -> c.field() + ": " + c.message()).toList();
    }

    @Test
    void defaultsFilesystemPendingAndMirrorsTheDataSource() {
        PersistentVolumeClaim pvc = pvc("1Gi").editSpec().withVolumeAttributesClassName("gold").withNewDataSource()
                .withKind("PersistentVolumeClaim").withName("src").endDataSource().endSpec().withNewStatus().withPhase("Bound").endStatus().build();
        strategy.prepareForCreate(pvc);
        assertThat(pvc.getSpec().getVolumeMode()).isEqualTo("Filesystem");
        assertThat(pvc.getStatus().getPhase()).isEqualTo("Pending");
        assertThat(pvc.getSpec().getVolumeAttributesClassName()).isNull();
        assertThat(pvc.getSpec().getDataSourceRef().getName()).isEqualTo("src");
        assertThat(pvc.getSpec().getDataSourceRef().getKind()).isEqualTo("PersistentVolumeClaim");
        assertThat(strategy.validate(pvc)).isEmpty();
    }

    @Test
    void rejectsClaimsAsValidatePersistentVolumeClaim() {
        assertThat(errors(pvc("1Gi").editSpec().withAccessModes(List.of()).endSpec().build()))
                .containsExactly("spec.accessModes: Required value: at least 1 access mode is required");
        assertThat(errors(pvc("1Gi").editSpec().editResources().withRequests(Map.of()).endResources().endSpec().build()))
                .containsExactly("spec.resources[storage]: Required value");
        assertThat(errors(pvc("0").build())).containsExactly("spec.resources[storage]: Invalid value: \"0\": must be greater than zero");
        assertThat(errors(pvc("1Gi").editSpec().withStorageClassName("Fast!").endSpec().build())).hasSize(1)
                .first().asString().startsWith("spec.storageClassName: Invalid value: \"Fast!\"");
        assertThat(errors(pvc("1Gi").editSpec().withNewDataSource().withKind("Snapshot").withName("s").endDataSource().endSpec().build()))
                .containsExactly("spec.dataSource: Invalid value: \"Snapshot\": must be 'PersistentVolumeClaim' when referencing the default apiGroup",
                        "spec.dataSourceRef: Invalid value: \"Snapshot\": must be 'PersistentVolumeClaim' when referencing the default apiGroup");
    }

    @Test
    void theSpecIsImmutableExceptBindingAndExpansionOfBoundClaims() {
        PersistentVolumeClaim old = pvc("1Gi").build();
        strategy.prepareForCreate(old);

        assertThat(updateErrors(pvc("1Gi").editSpec().withAccessModes("ReadWriteMany").endSpec().build(), old)).singleElement().asString()
                .startsWith("spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName "
                        + "for bound claims\n").contains("accessModes");
        // the binder sets volumeName once, and a nil class may be set once
        assertThat(updateErrors(pvc("1Gi").editSpec().withVolumeName("pv1").withStorageClassName("fast").endSpec().build(), old)).isEmpty();
        // a pending claim cannot be resized
        assertThat(updateErrors(pvc("2Gi").build(), old)).singleElement().asString().startsWith("spec: Forbidden: spec is immutable");
        assertThat(updateErrors(pvc("1Gi").editSpec().withVolumeMode("Block").endSpec().build(), old))
                .contains("volumeMode: Invalid value: \"Block\": field is immutable");

        PersistentVolumeClaim bound = pvc("1Gi").editSpec().withVolumeName("pv1").withVolumeMode("Filesystem").endSpec().withNewStatus().withPhase("Bound")
                .withCapacity(Map.of("storage", new Quantity("1Gi"))).endStatus().build();
        assertThat(updateErrors(pvc("2Gi").editSpec().withVolumeName("pv1").endSpec().build(), bound)).isEmpty();
        assertThat(updateErrors(pvc("1Gi").editSpec().withVolumeName("pv2").endSpec().build(), bound)).singleElement().asString()
                .startsWith("spec: Forbidden");
        PersistentVolumeClaim expanding = pvc("3Gi").editSpec().withVolumeName("pv1").withVolumeMode("Filesystem").endSpec().withStatus(bound.getStatus()).build();
        assertThat(updateErrors(pvc("512Mi").editSpec().withVolumeName("pv1").endSpec().build(), expanding))
                .containsExactly("spec.resources.requests.storage: Forbidden: field can not be less than status.capacity");
        assertThat(updateErrors(pvc("2Gi").editSpec().withVolumeName("pv1").endSpec().build(), expanding)).isEmpty();
    }

    @Test
    void statusIsSplitFromTheSpec(@TempDir Path dir) throws Exception {
        try (var store = EmbeddedStore.open(EmbeddedStoreConfig.defaults(dir))) {
            var registry = new GenericRegistry<>(store, PersistentVolumeClaimStrategy.RESOURCE, strategy, Clock.systemUTC(),
                    new SplittableRandom(1));
            PersistentVolumeClaim created = registry.create("ns", pvc("1Gi").build(), false);
            assertThat(created.getStatus().getPhase()).isEqualTo("Pending");
            PersistentVolumeClaim status = pvc("5Gi").withNewStatus().withPhase("Bound").withAccessModes("ReadWriteOnce")
                    .withCapacity(Map.of("storage", new Quantity("1Gi"))).endStatus().build();
            PersistentVolumeClaim bound = registry.subresource("status").orElseThrow().update("ns", "data", status, false).object();
            assertThat(bound.getStatus().getPhase()).isEqualTo("Bound");
            assertThat(bound.getSpec().getResources().getRequests().get("storage")).isEqualTo(new Quantity("1Gi"));
            PersistentVolumeClaim main = pvc("1Gi").withNewStatus().withPhase("Lost").endStatus().build();
            assertThat(registry.update("ns", "data", main, false).object().getStatus().getPhase()).isEqualTo("Bound");
        }
    }
}
