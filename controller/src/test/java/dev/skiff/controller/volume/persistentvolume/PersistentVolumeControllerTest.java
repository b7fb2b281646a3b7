package dev.skiff.controller.volume.persistentvolume;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.controller.ControlPlaneTest;
import dev.skiff.controller.ControllerManager;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * The PersistentVolume controller ("persistentvolume-binder") in the controller manager against the
 * real API server: which volume a claim gets, pre-binding from either side, claims that stay
 * Pending with upstream's events, what happens to a volume when its claim goes, and two claims
 * racing for one volume.
 */
class PersistentVolumeControllerTest extends ControlPlaneTest {
    private static final String NS = "default";

    @Test
    void bindsEachClaimToTheSmallestFittingVolumeOfItsClassModesAndSelector() throws Exception {
        client.resource(new StorageClassBuilder().withNewMetadata().withName("fast").endMetadata().withProvisioner("example.com/fast")
                .withVolumeBindingMode("Immediate").build()).create();
        createVolume(volume("pv-1g", "1Gi", "", "ReadWriteOnce"));
        createVolume(volume("pv-5g", "5Gi", "", "ReadWriteOnce"));
        createVolume(volume("pv-10g", "10Gi", "", "ReadWriteOnce"));
        createVolume(volume("pv-rwx-2g", "2Gi", "", "ReadWriteMany"));
        createVolume(volume("pv-both-3g", "3Gi", "", "ReadWriteOnce", "ReadWriteMany"));
        createVolume(volume("pv-fast-3g", "3Gi", "fast", "ReadWriteOnce"));
        createVolume(new PersistentVolumeBuilder(volume("pv-gold-8g", "8Gi", "", "ReadWriteOnce")).editMetadata()
                .addToLabels("tier", "gold").endMetadata().build());
        createVolume(new PersistentVolumeBuilder(volume("pv-block-4g", "4Gi", "", "ReadWriteOnce")).editSpec().withVolumeMode("Block")
                .endSpec().build());
        try (var manager = ControllerManager.start(client, List.of(PersistentVolumeController.NAME), false, 2)) {
            await("every volume Available", () -> client.persistentVolumes().list().getItems().stream()
                    .allMatch(v -> "Available".equals(v.getStatus().getPhase())));
            client.resource(claim("two-gigs", "2Gi", "", "ReadWriteOnce")).create();
            client.resource(claim("fast", "1Gi", "fast", "ReadWriteOnce")).create();
            client.resource(claim("shared", "1Gi", "", "ReadWriteMany")).create();
            client.resource(new PersistentVolumeClaimBuilder(claim("gold", "1Gi", "", "ReadWriteOnce")).editSpec().withNewSelector()
                    .addToMatchLabels("tier", "gold").endSelector().endSpec().build()).create();
            client.resource(new PersistentVolumeClaimBuilder(claim("raw", "1Gi", "", "ReadWriteOnce")).editSpec().withVolumeMode("Block")
                    .endSpec().build()).create();

            // the 1Gi volume is too small, and the 3Gi one with two modes comes after every single-mode volume
            awaitBound("two-gigs", "pv-5g");
            awaitBound("fast", "pv-fast-3g");
            awaitBound("shared", "pv-rwx-2g");
            awaitBound("gold", "pv-gold-8g");
            awaitBound("raw", "pv-block-4g");

            PersistentVolumeClaim claim = claim("two-gigs");
            assertThat(claim.getMetadata().getAnnotations()).containsEntry("pv.kubernetes.io/bind-completed", "yes")
                    .containsEntry("pv.kubernetes.io/bound-by-controller", "yes");
            assertThat(claim.getStatus().getCapacity()).containsEntry("storage", new Quantity("5Gi"));
            assertThat(claim.getStatus().getAccessModes()).containsExactly("ReadWriteOnce");
            PersistentVolume volume = volume("pv-5g");
            assertThat(volume.getSpec().getClaimRef().getUid()).isEqualTo(claim.getMetadata().getUid());
            assertThat(volume.getSpec().getClaimRef().getKind()).isEqualTo("PersistentVolumeClaim");
            assertThat(volume.getSpec().getClaimRef().getNamespace()).isEqualTo(NS);
            assertThat(volume.getMetadata().getAnnotations()).containsEntry("pv.kubernetes.io/bound-by-controller", "yes");
            for (String unused : List.of("pv-1g", "pv-10g", "pv-both-3g")) {
                assertThat(volume(unused).getStatus().getPhase()).as(unused).isEqualTo("Available");
                assertThat(volume(unused).getSpec().getClaimRef()).as(unused).isNull();
            }
        }
    }

    @Test
    void honoursPreBindingFromTheClaimAndFromTheVolume() throws Exception {
        createVolume(volume("small", "1Gi", "", "ReadWriteOnce"));
        createVolume(volume("named", "4Gi", "", "ReadWriteOnce"));
        createVolume(volume("tiny", "100Mi", "", "ReadWriteOnce"));
        createVolume(new PersistentVolumeBuilder(volume("reserved", "9Gi", "", "ReadWriteOnce")).editSpec()
                .withClaimRef(new ObjectReferenceBuilder().withNamespace(NS).withName("wanted").build()).endSpec().build());
        try (var manager = ControllerManager.start(client, List.of(PersistentVolumeController.NAME), false, 2)) {
            await("the reserved volume is Available to its claim", () -> "Available".equals(volume("reserved").getStatus().getPhase()));
            client.resource(new PersistentVolumeClaimBuilder(claim("asks-by-name", "1Gi", "", "ReadWriteOnce")).editSpec()
                    .withVolumeName("named").endSpec().build()).create();
            client.resource(claim("wanted", "1Gi", "", "ReadWriteOnce")).create();
            client.resource(new PersistentVolumeClaimBuilder(claim("too-big", "1Gi", "", "ReadWriteOnce")).editSpec()
                    .withVolumeName("tiny").endSpec().build()).create();

            awaitBound("asks-by-name", "named");
            assertThat(claim("asks-by-name").getMetadata().getAnnotations()).containsEntry("pv.kubernetes.io/bind-completed", "yes")
                    .doesNotContainKey("pv.kubernetes.io/bound-by-controller");
            assertThat(volume("named").getMetadata().getAnnotations()).containsEntry("pv.kubernetes.io/bound-by-controller", "yes");

            awaitBound("wanted", "reserved");
            assertThat(claim("wanted").getMetadata().getAnnotations()).containsEntry("pv.kubernetes.io/bound-by-controller", "yes");
            assertThat(volume("reserved").getMetadata().getAnnotations()).as("the user chose this binding")
                    .doesNotContainKey("pv.kubernetes.io/bound-by-controller");
            assertThat(volume("reserved").getSpec().getClaimRef().getUid()).isEqualTo(claim("wanted").getMetadata().getUid());

            awaitEvent("too-big", "Warning", "VolumeMismatch", "Cannot bind to requested volume \"tiny\": requested PV is too small");
            assertThat(claim("too-big").getStatus().getPhase()).isEqualTo("Pending");
            assertThat(volume("tiny").getSpec().getClaimRef()).isNull();
            assertThat(volume("small").getStatus().getPhase()).isEqualTo("Available");
        }
    }

    @Test
    void aClaimWithoutAMatchStaysPendingWithUpstreamsEventsAndBindsOnceAVolumeComes() throws Exception {
        client.resource(new StorageClassBuilder().withNewMetadata().withName("local").endMetadata()
                .withProvisioner("kubernetes.io/no-provisioner").withVolumeBindingMode("WaitForFirstConsumer").build()).create();
        client.resource(new StorageClassBuilder().withNewMetadata().withName("manual").endMetadata()
                .withProvisioner("kubernetes.io/no-provisioner").withVolumeBindingMode("Immediate").build()).create();
        client.resource(new StorageClassBuilder().withNewMetadata().withName("nfs").endMetadata()
                .withProvisioner("example.com/nfs").withVolumeBindingMode("Immediate").build()).create();
        createVolume(volume("local-pv", "1Gi", "local", "ReadWriteOnce"));
        try (var manager = ControllerManager.start(client, List.of(PersistentVolumeController.NAME), false, 2)) {
            client.resource(claim("external", "1Gi", "nfs", "ReadWriteOnce")).create();
            client.resource(claim("no-class", "1Gi", "", "ReadWriteOnce")).create();
            client.resource(claim("no-such-class", "1Gi", "missing", "ReadWriteOnce")).create();
            client.resource(claim("in-tree", "1Gi", "manual", "ReadWriteOnce")).create();
            client.resource(claim("first-consumer", "1Gi", "local", "ReadWriteOnce")).create();

            awaitEvent("no-class", "Normal", "FailedBinding", "no persistent volumes available for this claim and no storage class is set");
            awaitEvent("no-such-class", "Warning", "ProvisioningFailed", "storageclass.storage.k8s.io \"missing\" not found");
            awaitEvent("in-tree", "Warning", "ProvisioningFailed", "no volume plugin matched name: kubernetes.io/no-provisioner");
            awaitEvent("first-consumer", "Normal", "WaitForFirstConsumer", "waiting for first consumer to be created before binding");
            awaitEvent("external", "Normal", "ExternalProvisioning", "Waiting for a volume to be created either by the external provisioner "
                    + "'example.com/nfs' or manually by the system administrator. If volume creation is delayed, please verify that the "
                    + "provisioner is running and correctly registered.");
            assertThat(claim("external").getMetadata().getAnnotations()).containsEntry("volume.kubernetes.io/storage-provisioner", "example.com/nfs")
                    .containsEntry("volume.beta.kubernetes.io/storage-provisioner", "example.com/nfs");
            for (String name : List.of("no-class", "no-such-class", "in-tree", "first-consumer", "external")) {
                assertThat(claim(name).getStatus().getPhase()).as(name).isEqualTo("Pending");
                assertThat(claim(name).getSpec().getVolumeName()).as(name).isNull();
            }
            assertThat(volume("local-pv").getStatus().getPhase()).as("the scheduler binds WaitForFirstConsumer claims").isEqualTo("Available");

            createVolume(volume("late", "2Gi", "", "ReadWriteOnce"));
            awaitBound("no-class", "late");
        }
    }

    @Test
    void aDeletedClaimReleasesItsVolumeWhichTheReclaimPolicyRetainsDeletesOrFails() throws Exception {
        createVolume(volume("kept", "1Gi", "", "ReadWriteOnce"));
        createVolume(new PersistentVolumeBuilder(volume("gone", "1Gi", "fast", "ReadWriteOnce")).editSpec()
                .withPersistentVolumeReclaimPolicy("Delete").endSpec().build());
        createVolume(new PersistentVolumeBuilder(volume("recycled", "1Gi", "slow", "ReadWriteOnce")).editSpec()
                .withPersistentVolumeReclaimPolicy("Recycle").endSpec().build());
        try (var manager = ControllerManager.start(client, List.of(PersistentVolumeController.NAME), false, 2)) {
            client.resource(claim("a", "1Gi", "", "ReadWriteOnce")).create();
            client.resource(claim("b", "1Gi", "fast", "ReadWriteOnce")).create();
            client.resource(claim("c", "1Gi", "slow", "ReadWriteOnce")).create();
            awaitBound("a", "kept");
            awaitBound("b", "gone");
            awaitBound("c", "recycled");
            String uid = claim("a").getMetadata().getUid();

            for (String name : List.of("a", "b", "c")) {
                client.persistentVolumeClaims().inNamespace(NS).withName(name).delete();
            }
            await("the Retain volume is Released", () -> "Released".equals(volume("kept").getStatus().getPhase()));
            assertThat(volume("kept").getSpec().getClaimRef().getUid()).as("it still names the deleted claim").isEqualTo(uid);
            await("the Delete volume is deleted", () -> volume("gone") == null);
            await("the Recycle volume Failed", () -> "Failed".equals(volume("recycled").getStatus().getPhase()));
            awaitEvent("recycled", "Warning", "VolumeFailedRecycle", "No recycler plugin found for the volume!");

            // a new claim of the same name does not get the released volume back
            client.resource(claim("a", "1Gi", "", "ReadWriteOnce")).create();
            awaitEvent("a", "Normal", "FailedBinding", "no persistent volumes available for this claim and no storage class is set");
            assertThat(volume("kept").getStatus().getPhase()).isEqualTo("Released");
        }
    }

    @Test
    void aBoundClaimWhoseVolumeIsDeletedIsLost() throws Exception {
        createVolume(volume("doomed", "1Gi", "", "ReadWriteOnce"));
        try (var manager = ControllerManager.start(client, List.of(PersistentVolumeController.NAME), false, 2)) {
            client.resource(claim("orphan", "1Gi", "", "ReadWriteOnce")).create();
            awaitBound("orphan", "doomed");
            client.persistentVolumes().withName("doomed").delete();
            await("the claim Lost", () -> "Lost".equals(phase("orphan")));
            awaitEvent("orphan", "Warning", "ClaimLost", "Bound claim has lost its PersistentVolume. Data on the volume is lost!");
            assertThat(claim("orphan").getSpec().getVolumeName()).isEqualTo("doomed");
            assertThat(claim("orphan").getStatus().getCapacity()).as("reset with the phase").isNullOrEmpty();
        }
    }

    @Test
    void twoClaimsRacingForOneVolumeBindOnlyOne() throws Exception {
        createVolume(volume("only", "1Gi", "", "ReadWriteOnce"));
        try (var manager = ControllerManager.start(client, List.of(PersistentVolumeController.NAME), false, 4);
             var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            await("Available", () -> "Available".equals(volume("only").getStatus().getPhase()));
            var first = pool.submit(() -> client.resource(claim("left", "1Gi", "", "ReadWriteOnce")).create());
            var second = pool.submit(() -> client.resource(claim("right", "1Gi", "", "ReadWriteOnce")).create());
            first.get();
            second.get();
            await("one claim bound", () -> "Bound".equals(phase("left")) || "Bound".equals(phase("right")));
            await("the volume Bound", () -> "Bound".equals(volume("only").getStatus().getPhase()));
            String winner = "Bound".equals(phase("left")) ? "left" : "right";
            String loser = winner.equals("left") ? "right" : "left";
            awaitEvent(loser, "Normal", "FailedBinding", "no persistent volumes available for this claim and no storage class is set");
            assertThat(phase(winner)).isEqualTo("Bound");
            assertThat(phase(loser)).isEqualTo("Pending");
            assertThat(claim(loser).getSpec().getVolumeName()).isNull();
            assertThat(volume("only").getSpec().getClaimRef().getName()).isEqualTo(winner);
            assertThat(volume("only").getSpec().getClaimRef().getUid()).isEqualTo(claim(winner).getMetadata().getUid());
        }
    }

    // --- helpers

    static PersistentVolume volume(String name, String size, String storageClass, String... modes) {
        return new PersistentVolumeBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec()
                .withCapacity(Map.of("storage", new Quantity(size))).withAccessModes(modes).withStorageClassName(storageClass)
                .withPersistentVolumeReclaimPolicy("Retain").withNewHostPath().withPath("/tmp/skiff-pv/" + name).endHostPath()
                .endSpec().build();
    }

    static PersistentVolumeClaim claim(String name, String size, String storageClass, String... modes) {
        return new PersistentVolumeClaimBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata().withNewSpec()
                .withAccessModes(modes).withStorageClassName(storageClass).withNewResources().addToRequests("storage", new Quantity(size))
                .endResources().endSpec().build();
    }

    private void createVolume(PersistentVolume volume) {
        client.resource(volume).create();
    }

    private PersistentVolume volume(String name) {
        return client.persistentVolumes().withName(name).get();
    }

    private PersistentVolumeClaim claim(String name) {
        return client.persistentVolumeClaims().inNamespace(NS).withName(name).get();
    }

    private String phase(String claim) {
        PersistentVolumeClaim c = claim(claim);
        return c == null || c.getStatus() == null ? null : c.getStatus().getPhase();
    }

    /** Waits until the claim and the volume are bound to each other, both phases Bound. */
    private void awaitBound(String claim, String volume) throws InterruptedException {
        await(claim + " bound to " + volume, () -> {
            PersistentVolumeClaim c = claim(claim);
            PersistentVolume v = volume(volume);
            return c != null && v != null && volume.equals(c.getSpec().getVolumeName()) && "Bound".equals(c.getStatus().getPhase())
                    && "Bound".equals(v.getStatus().getPhase()) && v.getSpec().getClaimRef() != null
                    && c.getMetadata().getUid().equals(v.getSpec().getClaimRef().getUid());
        });
    }

    private void awaitEvent(String object, String type, String reason, String message) throws InterruptedException {
        await(reason + " event on " + object, () -> client.v1().events().inNamespace(NS).list().getItems().stream()
                .anyMatch(e -> object.equals(e.getInvolvedObject().getName()) && type.equals(e.getType()) && reason.equals(e.getReason())
                        && message.equals(e.getMessage()) && "persistentvolume-controller".equals(source(e))));
    }

    private static String source(Event e) {
        return e.getSource() == null ? null : e.getSource().getComponent();
    }
}
