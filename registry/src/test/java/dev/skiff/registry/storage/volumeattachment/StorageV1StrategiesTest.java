package dev.skiff.registry.storage.volumeattachment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.registry.generic.GenericRegistry;
import dev.skiff.registry.storage.csidriver.CSIDriverStrategy;
import dev.skiff.registry.storage.csinode.CSINodeStrategy;
import dev.skiff.store.embedded.EmbeddedStore;
import dev.skiff.store.embedded.EmbeddedStoreConfig;
import io.fabric8.kubernetes.api.model.storage.CSIDriver;
import io.fabric8.kubernetes.api.model.storage.CSIDriverBuilder;
import io.fabric8.kubernetes.api.model.storage.CSINode;
import io.fabric8.kubernetes.api.model.storage.CSINodeBuilder;
import io.fabric8.kubernetes.api.model.storage.VolumeAttachment;
import io.fabric8.kubernetes.api.model.storage.VolumeAttachmentBuilder;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CSIDriver, CSINode and VolumeAttachment strategies (storage.k8s.io/v1). */
class StorageV1StrategiesTest {

    static VolumeAttachmentBuilder attachment() {
        return new VolumeAttachmentBuilder().withNewMetadata().withName("va1").endMetadata().withNewSpec().withAttacher("csi.example.com")
                .withNodeName("node-1").withNewSource().withPersistentVolumeName("pv1").endSource().endSpec();
    }

    private static List<String> messages(List<dev.skiff.api.errors.ApiException.Cause> causes) {
        return causes.stream().map(c -> c.field() + ": " + c.message()).toList();
    }

    @Test
    void csiDriverDefaultsAndImmutableFields() {
        var strategy = new CSIDriverStrategy();
        CSIDriver driver = new CSIDriverBuilder().withNewMetadata().withName("csi.example.com").endMetadata().build();
        strategy.prepareForCreate(driver);
        var spec = driver.getSpec();
        assertThat(spec.getAttachRequired()).isTrue();
        assertThat(spec.getPodInfoOnMount()).isFalse();
        assertThat(spec.getStorageCapacity()).isFalse();
        assertThat(spec.getRequiresRepublish()).isFalse();
        assertThat(spec.getSeLinuxMount()).isFalse();
        assertThat(spec.getFsGroupPolicy()).isEqualTo("ReadWriteOnceWithFSType");
        assertThat(spec.getVolumeLifecycleModes()).containsExactly("Persistent");
        assertThat(strategy.validate(driver)).isEmpty();

        CSIDriver bad = new CSIDriverBuilder(driver).editSpec().withFsGroupPolicy("Sometimes").withVolumeLifecycleModes("Forever")
                .addNewTokenRequest().withAudience("a").withExpirationSeconds(60L).endTokenRequest()
                .addNewTokenRequest().withAudience("a").endTokenRequest().endSpec().build();
        assertThat(messages(strategy.validate(bad))).containsExactly(
                "spec.fsGroupPolicy: Unsupported value: \"Sometimes\": supported values: \"File\", \"None\", \"ReadWriteOnceWithFSType\"",
                "spec.tokenRequests[0].expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes",
                "spec.tokenRequests[1].audience: Duplicate value: \"a\"",
                "spec.volumeLifecycleModes: Unsupported value: \"Forever\": supported values: \"Persistent\", \"Ephemeral\"");

        CSIDriver changed = new CSIDriverBuilder(driver).editSpec().withAttachRequired(false).withPodInfoOnMount(true).endSpec().build();
        strategy.prepareForUpdate(changed, driver);
        assertThat(messages(strategy.validateUpdate(changed, driver)))
                .containsExactly("spec.attachedRequired: Invalid value: false: field is immutable");
    }

    @Test
    void csiNodeDriversAreValidUniqueAndImmutable() {
        var strategy = new CSINodeStrategy();
        CSINode node = new CSINodeBuilder().withNewMetadata().withName("node-1").endMetadata().withNewSpec().addNewDriver()
                .withName("csi.example.com").withNodeID("id-1").withTopologyKeys("topology.kubernetes.io/zone").endDriver().endSpec().build();
        strategy.prepareForCreate(node);
        assertThat(strategy.validate(node)).isEmpty();
        CSINode bad = new CSINodeBuilder(node).editSpec().addNewDriver().withName("csi.example.com").withNodeID("x".repeat(193))
                .endDriver().endSpec().build();
        assertThat(messages(strategy.validate(bad))).containsExactly(
                "spec.drivers[1].nodeID: Invalid value: \"" + "x".repeat(193) + "\": must be 192 characters or less",
                "spec.drivers[1].name: Duplicate value: \"csi.example.com\"");
        CSINode changed = new CSINodeBuilder(node).editSpec().editFirstDriver().withNodeID("id-2").endDriver().endSpec().build();
        assertThat(messages(strategy.validateUpdate(changed, node))).singleElement().asString()
                .startsWith("spec.drivers: Invalid value: storage.CSINodeDriver{Name:\"csi.example.com\", NodeID:\"id-2\"")
                .endsWith("field is immutable");
    }

    @Test
    void volumeAttachmentSourceAttacherAndNodeAreChecked() {
        var strategy = new VolumeAttachmentStrategy();
        VolumeAttachment va = attachment().build();
        strategy.prepareForCreate(va);
        assertThat(strategy.validate(va)).isEmpty();
        VolumeAttachment none = attachment().editSpec().withNewSource().endSource().endSpec().build();
        assertThat(messages(strategy.validate(none)))
                .containsExactly("spec.source: Required value: must specify exactly one of inlineVolumeSpec and persistentVolumeName");
        VolumeAttachment inline = attachment().editSpec().editSource().withInlineVolumeSpec(new io.fabric8.kubernetes.api.model
                .PersistentVolumeSpecBuilder().withAccessModes("ReadWriteOnce").withNewCsi().withDriver("csi.example.com")
                .withVolumeHandle("h").endCsi().build()).endSource().endSpec().build();
        assertThat(messages(strategy.validate(inline)))
                .containsExactly("spec.source: Forbidden: must specify exactly one of inlineVolumeSpec and persistentVolumeName");
        VolumeAttachment noAttacher = attachment().editSpec().withAttacher("").withNodeName("Node_1").endSpec().build();
        assertThat(messages(strategy.validate(noAttacher))).contains("spec.attacher: Required value")
                .anyMatch(m -> m.startsWith("spec.nodeName: Invalid value: \"Node_1\": a lowercase RFC 1123 subdomain"));
    }

    @Test
    void volumeAttachmentStatusIsSplitAndTheSpecIsImmutable(@TempDir Path dir) throws Exception {
        var strategy = new VolumeAttachmentStrategy();
        try (var store = EmbeddedStore.open(EmbeddedStoreConfig.defaults(dir))) {
            var registry = new GenericRegistry<>(store, VolumeAttachmentStrategy.RESOURCE, strategy, Clock.systemUTC(), new SplittableRandom(1));
            VolumeAttachment created = registry.create(null, attachment().withNewStatus().withAttached(true).endStatus().build(), false);
            assertThat(created.getStatus().getAttached()).isFalse();
            VolumeAttachment status = attachment().editSpec().withNodeName("node-2").endSpec().withNewStatus().withAttached(true).endStatus().build();
            VolumeAttachment attached = registry.subresource("status").orElseThrow().update(null, "va1", status, false).object();
            assertThat(attached.getStatus().getAttached()).isTrue();
            assertThat(attached.getSpec().getNodeName()).isEqualTo("node-1");
            VolumeAttachment moved = attachment().editSpec().withNodeName("node-2").endSpec().build();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> registry.update(null, "va1", moved, false))
                    .hasMessageContaining("spec: Invalid value: storage.VolumeAttachmentSpec{").hasMessageContaining("field is immutable");
        }
    }
}
