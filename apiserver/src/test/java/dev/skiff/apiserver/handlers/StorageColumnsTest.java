package dev.skiff.apiserver.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceQuotaBuilder;
import io.fabric8.kubernetes.api.model.storage.CSIDriverBuilder;
import io.fabric8.kubernetes.api.model.storage.CSINodeBuilder;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The volume, quota and CSI rows as upstream's printers print them for kubectl get. */
class StorageColumnsTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:01:00Z"), ZoneOffset.UTC);

    @Test
    void persistentVolumeRowsReadLikeKubectlGetPv() {
        var pv = new PersistentVolumeBuilder().withNewMetadata().withName("pv1").withCreationTimestamp("2026-01-01T00:00:00Z")
                .withDeletionTimestamp("2026-01-01T00:00:30Z").withAnnotations(Map.of("volume.beta.kubernetes.io/storage-class", "legacy"))
                .endMetadata().withNewSpec().withCapacity(Map.of("storage", new Quantity("2048Mi")))
                .withAccessModes("ReadWriteMany", "ReadWriteOnce", "ReadWriteOnce").withPersistentVolumeReclaimPolicy("Delete")
                .withStorageClassName("fast").withNewClaimRef().withNamespace("ns").withName("data").endClaimRef().withVolumeMode("Block")
                .endSpec().withNewStatus().withPhase("Bound").withReason("").endStatus().build();
        var table = TableConvertor.forKind("PersistentVolume", CLOCK).table(List.of(pv), "1", null, null, "None", true);
        assertThat(table.get("columnDefinitions").findValuesAsText("name")).containsExactly("Name", "Capacity", "Access Modes",
                "Reclaim Policy", "Status", "Claim", "StorageClass", "VolumeAttributesClass", "Reason", "Age", "VolumeMode");
        assertThat(table.get("rows").get(0).get("cells").toString()).isEqualTo(
                "[\"pv1\",\"2Gi\",\"RWO,RWX\",\"Delete\",\"Terminating\",\"ns/data\",\"legacy\",\"<unset>\",\"\",\"60s\",\"Block\"]");
    }

    @Test
    void claimsShowCapacityAndModesOnlyOnceBound() {
        var pending = new PersistentVolumeClaimBuilder().withNewMetadata().withName("a").withCreationTimestamp("2026-01-01T00:00:00Z")
                .endMetadata().withNewSpec().withAccessModes("ReadWriteOnce").withVolumeMode("Filesystem").endSpec()
                .withNewStatus().withPhase("Pending").withCapacity(Map.of("storage", new Quantity("1Gi"))).endStatus().build();
        var bound = new PersistentVolumeClaimBuilder(pending).editMetadata().withName("b").endMetadata().editSpec().withVolumeName("pv1")
                .withStorageClassName("fast").endSpec().editStatus().withPhase("Bound").withAccessModes("ReadWriteOncePod").endStatus().build();
        var rows = TableConvertor.forKind("PersistentVolumeClaim", CLOCK).table(List.of(pending, bound), "1", null, null, "None", true)
                .get("rows");
        assertThat(rows.get(0).get("cells").toString()).isEqualTo("[\"a\",\"Pending\",\"\",\"\",\"\",\"\",\"<unset>\",\"60s\",\"Filesystem\"]");
        assertThat(rows.get(1).get("cells").toString()).isEqualTo(
                "[\"b\",\"Bound\",\"pv1\",\"1Gi\",\"RWOP\",\"fast\",\"<unset>\",\"60s\",\"Filesystem\"]");
    }

    @Test
    void quotaRowsSplitRequestsAndLimitsByName() {
        var quota = new ResourceQuotaBuilder().withNewMetadata().withName("q").withCreationTimestamp("2026-01-01T00:00:00Z").endMetadata()
                .withNewStatus().withHard(Map.of("pods", new Quantity("10"), "limits.cpu", new Quantity("2"), "requests.memory",
                        new Quantity("1Gi"))).withUsed(Map.of("pods", new Quantity("3"), "limits.cpu", new Quantity("1500m"))).endStatus().build();
        var table = TableConvertor.forKind("ResourceQuota", CLOCK).table(List.of(quota), "1", null, null, "None", true);
        assertThat(table.get("rows").get(0).get("cells").toString())
                .isEqualTo("[\"q\",\"pods: 3/10, requests.memory: 0/1Gi\",\"limits.cpu: 1500m/2\",\"60s\"]");
    }

    @Test
    void csiDriverAndNodeRows() {
        var driver = new CSIDriverBuilder().withNewMetadata().withName("csi.example.com").withCreationTimestamp("2026-01-01T00:00:00Z")
                .endMetadata().withNewSpec().withAttachRequired(false).withPodInfoOnMount(true).addNewTokenRequest().withAudience("vault")
                .endTokenRequest().withVolumeLifecycleModes("Persistent", "Ephemeral").endSpec().build();
        var table = TableConvertor.forKind("CSIDriver", CLOCK).table(List.of(driver), "1", null, null, "None", true);
        assertThat(table.get("columnDefinitions").findValuesAsText("name")).containsExactly("Name", "AttachRequired", "PodInfoOnMount",
                "StorageCapacity", "TokenRequests", "RequiresRepublish", "Modes", "Age");
        assertThat(table.get("rows").get(0).get("cells").toString())
                .isEqualTo("[\"csi.example.com\",false,true,false,\"vault\",false,\"Persistent,Ephemeral\",\"60s\"]");
        var node = new CSINodeBuilder().withNewMetadata().withName("n1").withCreationTimestamp("2026-01-01T00:00:00Z").endMetadata()
                .withNewSpec().addNewDriver().withName("a").withNodeID("1").endDriver().addNewDriver().withName("b").withNodeID("2")
                .endDriver().endSpec().build();
        assertThat(TableConvertor.forKind("CSINode", CLOCK).table(List.of(node), "1", null, null, "None", true).get("rows").get(0)
                .get("cells").toString()).isEqualTo("[\"n1\",2,\"60s\"]");
    }
}
