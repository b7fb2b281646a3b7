package dev.skiff.scheduler.framework.plugins.volumebinding;

import static dev.skiff.scheduler.testing.MakeNode.node;
import static dev.skiff.scheduler.testing.MakePod.pod;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.scheduler.framework.ClusterEvent;
import dev.skiff.scheduler.framework.ClusterEventWithHint;
import dev.skiff.scheduler.framework.Code;
import dev.skiff.scheduler.framework.CycleState;
import dev.skiff.scheduler.framework.NodeInfo;
import dev.skiff.scheduler.framework.PodInfo;
import dev.skiff.scheduler.framework.Plugins.Outcome;
import dev.skiff.scheduler.framework.Plugins.PreFilterResult;
import dev.skiff.scheduler.framework.Status;
import dev.skiff.scheduler.testing.FakeStorage;
import dev.skiff.scheduler.testing.TestHandle;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** VolumeBinding alone, over claims, volumes and classes held in memory. */
class VolumeBindingTest {
    private final Node nodeA = node("node-a").obj();
    private final Node nodeB = node("node-b").obj();
    private final TestHandle handle = new TestHandle(List.of(nodeA, nodeB), List.of());
    private final FakeStorage storage = new FakeStorage();
    private final VolumeBinding plugin = new VolumeBinding(handle, Duration.ofSeconds(2));

    VolumeBindingTest() {
        handle.storage = storage;
        storage.add(storageClass("local", "WaitForFirstConsumer", "kubernetes.io/no-provisioner"));
        storage.add(storageClass("standard", "Immediate", "kubernetes.io/no-provisioner"));
        storage.add(storageClass("external", "WaitForFirstConsumer", "example.com/csi"));
    }

    // --- PreFilter

    @Test
    void aPodWithoutClaimsSkipsThePlugin() {
        Outcome<PreFilterResult> out = plugin.preFilter(new CycleState(), PodInfo.of(pod("p").obj()), nodes());
        assertThat(out.status().isSkip()).isTrue();
    }

    @Test
    void aMissingClaimIsUnresolvable() {
        Status s = plugin.preFilter(new CycleState(), PodInfo.of(pod("p").claim("data", "nope").obj()), nodes()).status();
        assertThat(s.code()).isEqualTo(Code.UNSCHEDULABLE_AND_UNRESOLVABLE);
        assertThat(s.reasons()).containsExactly("persistentvolumeclaim \"nope\" not found");
    }

    @Test
    void aClaimBeingDeletedIsUnresolvable() {
        storage.add(new PersistentVolumeClaimBuilder(claim("going", "1Gi", "local")).editMetadata()
                .withDeletionTimestamp("2026-01-01T00:00:00Z").endMetadata().build());
        Status s = plugin.preFilter(new CycleState(), PodInfo.of(pod("p").claim("data", "going").obj()), nodes()).status();
        assertThat(s.code()).isEqualTo(Code.UNSCHEDULABLE_AND_UNRESOLVABLE);
        assertThat(s.reasons()).containsExactly("persistentvolumeclaim \"going\" is being deleted");
    }

    @Test
    void anUnboundClaimOfAnImmediateClassIsUnresolvable() {
        storage.add(claim("now", "1Gi", "standard"));
        storage.add(claim("later", "1Gi", "local"));
        Status s = plugin.preFilter(new CycleState(), PodInfo.of(pod("p").claim("a", "later").claim("b", "now").obj()), nodes()).status();
        assertThat(s.code()).isEqualTo(Code.UNSCHEDULABLE_AND_UNRESOLVABLE);
        assertThat(s.reasons()).containsExactly("pod has unbound immediate PersistentVolumeClaims");
    }

    // --- Filter

    @Test
    void aBoundClaimKeepsThePodOnItsVolumesNode() {
        storage.add(new PersistentVolumeBuilder(volume("pv-a", "5Gi", "local", "node-a")).editSpec().withNewClaimRef()
                .withNamespace("default").withName("bound").withUid("bound-uid").endClaimRef().endSpec().editStatus().withPhase("Bound")
                .endStatus().build());
        storage.add(new PersistentVolumeClaimBuilder(claim("bound", "1Gi", "local")).editMetadata()
                .addToAnnotations("pv.kubernetes.io/bind-completed", "yes").endMetadata().editSpec().withVolumeName("pv-a").endSpec().build());
        CycleState state = new CycleState();
        PodInfo pod = PodInfo.of(pod("p").claim("data", "bound").obj());
        Outcome<PreFilterResult> pre = plugin.preFilter(state, pod, nodes());
        assertThat(pre.status().isSuccess()).isTrue();
        assertThat(pre.value().nodeNames()).as("a volume pinned by hostname narrows the nodes").containsExactly("node-a");
        assertThat(plugin.filter(state, pod, new NodeInfo(nodeA)).isSuccess()).isTrue();
        Status other = plugin.filter(state, pod, new NodeInfo(nodeB));
        assertThat(other.code()).isEqualTo(Code.UNSCHEDULABLE_AND_UNRESOLVABLE);
        assertThat(other.reasons()).containsExactly("node(s) had volume node affinity conflict");
        // nothing to bind: Reserve and PreBind have no work
        assertThat(plugin.reserve(state, pod, "node-a").isSuccess()).isTrue();
        assertThat(plugin.preBind(state, pod, "node-a").isSuccess()).isTrue();
        assertThat(storage.writes).isEmpty();
    }

    @Test
    void aWaitForFirstConsumerClaimGetsTheSmallestFittingVolumeOnTheNode() {
        storage.add(volume("a-1g", "1Gi", "local", "node-a"));
        storage.add(volume("a-10g", "10Gi", "local", "node-a"));
        storage.add(volume("a-4g", "4Gi", "local", "node-a"));
        storage.add(new PersistentVolumeBuilder(volume("a-3g-rwx", "3Gi", "local", "node-a")).editSpec()
                .withAccessModes("ReadWriteMany").endSpec().build());
        storage.add(new PersistentVolumeBuilder(volume("a-3g-block", "3Gi", "local", "node-a")).editSpec()
                .withVolumeMode("Block").endSpec().build());
        storage.add(volume("a-3g-other-class", "3Gi", "standard", "node-a"));
        storage.add(new PersistentVolumeBuilder(volume("a-3g-taken", "3Gi", "local", "node-a")).editSpec().withNewClaimRef()
                .withNamespace("default").withName("someone").endClaimRef().endSpec().build());
        storage.add(volume("b-20g", "20Gi", "local", "node-b"));
        storage.add(claim("data", "2Gi", "local"));
        CycleState state = new CycleState();
        PodInfo pod = PodInfo.of(pod("p").claim("data", "data").obj());
        assertThat(plugin.preFilter(state, pod, nodes()).status().isSuccess()).isTrue();
        assertThat(plugin.filter(state, pod, new NodeInfo(nodeA)).isSuccess()).isTrue();
        assertThat(plugin.filter(state, pod, new NodeInfo(nodeB)).isSuccess()).isTrue();
        VolumeBinding.State s = state.read(VolumeBinding.NAME);
        assertThat(s.byNode.get("node-a").staticBindings).extracting(b -> b.volume().getMetadata().getName()).containsExactly("a-4g");
        assertThat(s.byNode.get("node-b").staticBindings).extracting(b -> b.volume().getMetadata().getName()).containsExactly("b-20g");
    }

    @Test
    void aClaimWithoutAVolumeOnTheNodeAndNoProvisionerDoesNotFit() {
        storage.add(volume("a-1g", "1Gi", "local", "node-a"));
        storage.add(claim("big", "5Gi", "local"));
        CycleState state = new CycleState();
        PodInfo pod = PodInfo.of(pod("p").claim("data", "big").obj());
        assertThat(plugin.preFilter(state, pod, nodes()).status().isSuccess()).isTrue();
        for (Node n : List.of(nodeA, nodeB)) {
            Status s = plugin.filter(state, pod, new NodeInfo(n));
            assertThat(s.code()).isEqualTo(Code.UNSCHEDULABLE_AND_UNRESOLVABLE);
            assertThat(s.reasons()).containsExactly("node(s) didn't find available persistent volumes to bind");
        }
    }

    @Test
    void aClaimOfAClassWithAProvisionerIsAnnotatedWithTheSelectedNodeAndWaitedFor() {
        storage.add(claim("dyn", "1Gi", "external"));
        CycleState state = new CycleState();
        PodInfo pod = PodInfo.of(pod("p").claim("data", "dyn").obj());
        assertThat(plugin.preFilter(state, pod, nodes()).status().isSuccess()).isTrue();
        assertThat(plugin.filter(state, pod, new NodeInfo(nodeB)).isSuccess()).isTrue();
        assertThat(plugin.reserve(state, pod, "node-b").isSuccess()).isTrue();
        Status s = plugin.preBind(state, pod, "node-b");
        assertThat(storage.claim("default", "dyn").getMetadata().getAnnotations())
                .containsEntry("volume.kubernetes.io/selected-node", "node-b");
        assertThat(s.code()).as("nothing provisions in skiff: the bind timeout ends the wait").isEqualTo(Code.ERROR);
        assertThat(s.message()).isEqualTo("binding volumes: context deadline exceeded");
    }

    // --- Reserve, Unreserve, PreBind

    @Test
    void aReservedVolumeIsNotChosenForAnotherPodUntilUnreserved() {
        storage.add(volume("only", "5Gi", "local", "node-a"));
        storage.add(claim("first", "1Gi", "local"));
        storage.add(claim("second", "1Gi", "local"));
        CycleState s1 = new CycleState();
        PodInfo p1 = PodInfo.of(pod("p1").claim("data", "first").obj());
        plugin.preFilter(s1, p1, nodes());
        assertThat(plugin.filter(s1, p1, new NodeInfo(nodeA)).isSuccess()).isTrue();
        assertThat(plugin.reserve(s1, p1, "node-a").isSuccess()).isTrue();

        CycleState s2 = new CycleState();
        PodInfo p2 = PodInfo.of(pod("p2").claim("data", "second").obj());
        plugin.preFilter(s2, p2, nodes());
        Status taken = plugin.filter(s2, p2, new NodeInfo(nodeA));
        assertThat(taken.reasons()).as("the volume is assumed for the first pod's claim")
                .containsExactly("node(s) didn't find available persistent volumes to bind");
        assertThat(storage.volume("only").getSpec().getClaimRef()).as("nothing written before PreBind").isNull();

        plugin.unreserve(s1, p1, "node-a");
        CycleState s3 = new CycleState();
        plugin.preFilter(s3, p2, nodes());
        assertThat(plugin.filter(s3, p2, new NodeInfo(nodeA)).isSuccess()).as("free again once the first pod is unreserved").isTrue();
    }

    @Test
    void preBindWritesTheClaimRefAndWaitsForThePvControllerToBindTheClaim() {
        storage.add(volume("pv", "5Gi", "local", "node-a"));
        storage.add(claim("data", "1Gi", "local"));
        storage.onVolumeUpdate = v -> {
            // the PV controller completes the binding the volume's claimRef asks for
            var ref = v.getSpec().getClaimRef();
            PersistentVolumeClaim c = storage.claim(ref.getNamespace(), ref.getName());
            storage.add(new PersistentVolumeClaimBuilder(c).editSpec().withVolumeName(v.getMetadata().getName()).endSpec().editMetadata()
                    .addToAnnotations("pv.kubernetes.io/bind-completed", "yes").endMetadata().editOrNewStatus().withPhase("Bound").endStatus().build());
        };
        CycleState state = new CycleState();
        PodInfo pod = PodInfo.of(pod("p").claim("data", "data").obj());
        plugin.preFilter(state, pod, nodes());
        assertThat(plugin.filter(state, pod, new NodeInfo(nodeA)).isSuccess()).isTrue();
        assertThat(plugin.reserve(state, pod, "node-a").isSuccess()).isTrue();
        assertThat(plugin.preBind(state, pod, "node-a").isSuccess()).isTrue();
        PersistentVolume written = storage.volume("pv");
        assertThat(written.getSpec().getClaimRef().getName()).isEqualTo("data");
        assertThat(written.getSpec().getClaimRef().getUid()).isEqualTo("data-uid");
        assertThat(written.getMetadata().getAnnotations()).containsEntry("pv.kubernetes.io/bound-by-controller", "yes");
    }

    @Test
    void preBindFailsWhenThePvControllerDropsTheClaimRef() {
        storage.add(volume("pv", "5Gi", "local", "node-a"));
        storage.add(claim("data", "1Gi", "local"));
        storage.onVolumeUpdate = v -> storage.add(new PersistentVolumeBuilder(v).editSpec().withClaimRef(null).endSpec().build());
        CycleState state = new CycleState();
        PodInfo pod = PodInfo.of(pod("p").claim("data", "data").obj());
        plugin.preFilter(state, pod, nodes());
        plugin.filter(state, pod, new NodeInfo(nodeA));
        plugin.reserve(state, pod, "node-a");
        Status s = plugin.preBind(state, pod, "node-a");
        assertThat(s.code()).isEqualTo(Code.ERROR);
        assertThat(s.message()).isEqualTo("binding volumes: ClaimRef got reset for pv \"pv\"");
    }

    @Test
    void claimEventsRequeueOnlyPodsUsingTheClaim() {
        ClusterEventWithHint claimEvent = plugin.eventsToRegister().stream()
                .filter(e -> e.event().resource() == ClusterEvent.Resource.PERSISTENT_VOLUME_CLAIM).findFirst().orElseThrow();
        Pod p = pod("p").claim("data", "mine").obj();
        assertThat(claimEvent.hint().shouldQueue(p, null, claim("mine", "1Gi", "local"))).isTrue();
        assertThat(claimEvent.hint().shouldQueue(p, null, claim("other", "1Gi", "local"))).isFalse();
        assertThat(claimEvent.hint().shouldQueue(p, null, new PersistentVolumeClaimBuilder(claim("mine", "1Gi", "local"))
                .editMetadata().withNamespace("elsewhere").endMetadata().build())).isFalse();
        assertThat(plugin.eventsToRegister()).extracting(e -> e.event().resource()).contains(ClusterEvent.Resource.PERSISTENT_VOLUME,
                ClusterEvent.Resource.STORAGE_CLASS);
    }

    // --- fixtures

    private List<NodeInfo> nodes() {
        return List.of(new NodeInfo(nodeA), new NodeInfo(nodeB));
    }

    private static StorageClass storageClass(String name, String mode, String provisioner) {
        return new StorageClassBuilder().withNewMetadata().withName(name).endMetadata().withProvisioner(provisioner)
                .withVolumeBindingMode(mode).build();
    }

    private static PersistentVolume volume(String name, String size, String className, String node) {
        return new PersistentVolumeBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec()
                .withCapacity(Map.of("storage", new Quantity(size))).withAccessModes("ReadWriteOnce").withStorageClassName(className)
                .withNewLocal().withPath("/mnt/" + name).endLocal()
                .withNewNodeAffinity().withNewRequired().addNewNodeSelectorTerm().addNewMatchExpression().withKey("kubernetes.io/hostname")
                .withOperator("In").withValues(node).endMatchExpression().endNodeSelectorTerm().endRequired().endNodeAffinity()
                .endSpec().withNewStatus().withPhase("Available").endStatus().build();
    }

    private static PersistentVolumeClaim claim(String name, String size, String className) {
        return new PersistentVolumeClaimBuilder().withNewMetadata().withName(name).withNamespace("default").withUid(name + "-uid").endMetadata()
                .withNewSpec().withAccessModes("ReadWriteOnce").withStorageClassName(className).withNewResources()
                .addToRequests("storage", new Quantity(size)).endResources().endSpec().withNewStatus().withPhase("Pending").endStatus().build();
    }
}
