package dev.skiff.agent.kubelet.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.api.Test;

class PodUpdatesTest {
    private static final Pod POD = new PodBuilder().withNewMetadata().withName("p").withUid("u1").addToLabels("app", "web").endMetadata()
            .withNewSpec().withNodeName("n").addNewContainer().withName("c").withImage("busybox").endContainer().endSpec()
            .withNewStatus().withPhase("Pending").endStatus().build();

    @Test
    void aStatusChangeAloneIsNoUpdate() {
        Pod running = new PodBuilder(POD).editStatus().withPhase("Running").withPodIP("10.0.0.2").endStatus().build();
        assertThat(PodUpdates.statusOnly(POD, running)).isTrue();
        Pod sameWithNullLabels = new PodBuilder(POD).editMetadata().withLabels(null).endMetadata().build();
        Pod sameWithEmptyLabels = new PodBuilder(POD).editMetadata().withLabels(java.util.Map.of()).endMetadata().build();
        assertThat(PodUpdates.statusOnly(sameWithNullLabels, sameWithEmptyLabels)).isTrue();
    }

    @Test
    void specMetadataAndDeletionChangesAreUpdates() {
        assertThat(PodUpdates.statusOnly(POD, new PodBuilder(POD).editSpec().editFirstContainer().withImage("nginx").endContainer()
                .endSpec().build())).isFalse();
        assertThat(PodUpdates.statusOnly(POD, new PodBuilder(POD).editMetadata().addToLabels("tier", "1").endMetadata().build())).isFalse();
        assertThat(PodUpdates.statusOnly(POD, new PodBuilder(POD).editMetadata().addToAnnotations("a", "b").endMetadata().build())).isFalse();
        assertThat(PodUpdates.statusOnly(POD, new PodBuilder(POD).editMetadata().withDeletionTimestamp("2026-12-04T00:00:00Z")
                .withDeletionGracePeriodSeconds(30L).endMetadata().build())).isFalse();
        assertThat(PodUpdates.statusOnly(POD, new PodBuilder(POD).editMetadata().withUid("u2").endMetadata().build())).isFalse();
    }
}
