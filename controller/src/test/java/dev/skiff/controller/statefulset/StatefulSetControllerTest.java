package dev.skiff.controller.statefulset;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.controller.ControllerManager;
import dev.skiff.controller.ControlPlaneTest;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The StatefulSet controller in the controller manager against the real API server. No kubelet
 * runs: the test reports pods Running and Ready through pods/status when it wants the controller to
 * go on, which is how it checks what the controller waits for.
 */
class StatefulSetControllerTest extends ControlPlaneTest {

    @Test
    void orderedReadyCreatesInOrderWaitingForReadinessAndScalesDownFromTheHighestOrdinal() throws Exception {
        try (var manager = ControllerManager.start(client, List.of("statefulset"), false, 2)) {
            StatefulSet created = client.resource(statefulSet("web", 3, "busybox:1")).create();
            for (int i = 0; i < 3; i++) {
                String name = "web-" + i;
                await(name + " created", () -> pod(name) != null);
                Thread.sleep(500);
                assertThat(livePodNames()).as("the next pod waits until %s is running and ready", name).hasSize(i + 1);
                kubelet().markReady(name);
            }
            Pod web1 = pod("web-1");
            assertThat(web1.getMetadata().getLabels()).containsEntry("statefulset.kubernetes.io/pod-name", "web-1")
                    .containsEntry("apps.kubernetes.io/pod-index", "1").containsEntry("app", "web");
            assertThat(web1.getSpec().getHostname()).isEqualTo("web-1");
            assertThat(web1.getSpec().getSubdomain()).isEqualTo("web-svc");
            var ref = web1.getMetadata().getOwnerReferences().getFirst();
            assertThat(ref.getKind()).isEqualTo("StatefulSet");
            assertThat(ref.getUid()).isEqualTo(created.getMetadata().getUid());
            assertThat(ref.getController()).isTrue();

            await("status: 3 ready, current = update revision", () -> {
                StatefulSetStatus s = status("web");
                return s != null && eq(s.getReplicas(), 3) && eq(s.getReadyReplicas(), 3) && eq(s.getAvailableReplicas(), 3)
                        && eq(s.getCurrentReplicas(), 3) && eq(s.getUpdatedReplicas(), 3) && Long.valueOf(1).equals(s.getObservedGeneration())
                        && s.getUpdateRevision() != null && s.getUpdateRevision().equals(s.getCurrentRevision()) && eq(s.getCollisionCount(), 0);
            });
            StatefulSetStatus s = status("web");
            assertThat(web1.getMetadata().getLabels()).containsEntry("controller-revision-hash", s.getUpdateRevision());
            List<ControllerRevision> revisions = revisions("web");
            assertThat(revisions).singleElement().satisfies(r -> {
                assertThat(r.getMetadata().getName()).isEqualTo(s.getUpdateRevision()).startsWith("web-");
                assertThat(r.getRevision()).isEqualTo(1L);
            });
            assertThat(client.v1().events().inNamespace("default").list().getItems())
                    .anyMatch(e -> "SuccessfulCreate".equals(e.getReason()) && "create Pod web-0 in StatefulSet web successful".equals(e.getMessage()));

            List<String> deleted = new CopyOnWriteArrayList<>();
            try (Watch ignored = client.pods().inNamespace("default").watch(new Watcher<>() {
                @Override
                public void eventReceived(Action action, Pod pod) {
                    if (action == Action.DELETED) {
                        deleted.add(pod.getMetadata().getName());
                    }
                }

                @Override
                public void onClose(WatcherException cause) {
                }
            })) {
                client.apps().statefulSets().inNamespace("default").withName("web").scale(1);
                await("scaled down to web-0", () -> livePodNames().equals(List.of("web-0")));
                await("both deletions seen", () -> deleted.size() == 2);
            }
            assertThat(deleted).as("the highest ordinal goes first").containsExactly("web-2", "web-1");
            await("the SuccessfulDelete event", () -> client.v1().events().inNamespace("default").list().getItems().stream()
                    .anyMatch(e -> "SuccessfulDelete".equals(e.getReason()) && "delete Pod web-2 in StatefulSet web successful".equals(e.getMessage())));
        }
    }

    @Test
    void parallelCreatesAndDeletesAllPodsAtOnceFromTheStartOrdinal() throws Exception {
        try (var manager = ControllerManager.start(client, List.of("statefulset"), false, 2)) {
            StatefulSet set = new StatefulSetBuilder(statefulSet("db", 3, "busybox:1")).editSpec().withPodManagementPolicy("Parallel")
                    .withNewOrdinals().withStart(5).endOrdinals().endSpec().build();
            client.resource(set).create();
            await("db-5, db-6 and db-7 without any of them ready", () -> livePodNames().equals(List.of("db-5", "db-6", "db-7")));
            assertThat(pod("db-7").getMetadata().getLabels()).containsEntry("apps.kubernetes.io/pod-index", "7");
            assertThat(pod("db-7").getSpec().getHostname()).isEqualTo("db-7");

            client.apps().statefulSets().inNamespace("default").withName("db").scale(1);
            await("scaled down to db-5 while no pod is ready", () -> livePodNames().equals(List.of("db-5")));
            await("status counts one replica", () -> status("db") != null && eq(status("db").getReplicas(), 1));
        }
    }

    @Test
    void rollingUpdateWithPartitionReplacesFromTheHighestOrdinalWaitingForEachReplacement() throws Exception {
        try (var manager = ControllerManager.start(client, List.of("statefulset"), false, 2)) {
            client.resource(statefulSet("web", 3, "busybox:1")).create();
            for (int i = 0; i < 3; i++) {
                String name = "web-" + i;
                await(name + " created", () -> pod(name) != null);
                kubelet().markReady(name);
            }
            await("rolled out", () -> status("web") != null && eq(status("web").getReadyReplicas(), 3));
            String oldRevision = status("web").getCurrentRevision();

            client.apps().statefulSets().inNamespace("default").withName("web").edit(s -> new StatefulSetBuilder(s).editSpec()
                    .editUpdateStrategy().editOrNewRollingUpdate().withPartition(1).endRollingUpdate().endUpdateStrategy()
                    .editTemplate().editSpec().editFirstContainer().withImage("busybox:2").endContainer().endSpec().endTemplate()
                    .endSpec().build());
            await("web-2 replaced at the new revision", () -> "busybox:2".equals(image(pod("web-2"))));
            String newRevision = revision(pod("web-2"));
            assertThat(newRevision).isNotEqualTo(oldRevision).startsWith("web-");
            Thread.sleep(1000);
            assertThat(revision(pod("web-1"))).as("web-1 waits for web-2 to be ready").isEqualTo(oldRevision);

            kubelet().markReady("web-2");
            await("web-1 replaced next", () -> newRevision.equals(revision(pod("web-1"))));
            kubelet().markReady("web-1");
            await("status: 2 updated, 1 current", () -> {
                StatefulSetStatus s = status("web");
                return eq(s.getUpdatedReplicas(), 2) && eq(s.getCurrentReplicas(), 1) && eq(s.getReadyReplicas(), 3)
                        && newRevision.equals(s.getUpdateRevision()) && oldRevision.equals(s.getCurrentRevision());
            });
            Thread.sleep(500);
            assertThat(revision(pod("web-0"))).as("below the partition").isEqualTo(oldRevision);
            assertThat(image(pod("web-0"))).isEqualTo("busybox:1");
            assertThat(revisions("web")).extracting(ControllerRevision::getRevision).containsExactly(1L, 2L);

            client.apps().statefulSets().inNamespace("default").withName("web").edit(s -> new StatefulSetBuilder(s).editSpec()
                    .editUpdateStrategy().editRollingUpdate().withPartition(0).endRollingUpdate().endUpdateStrategy().endSpec().build());
            await("web-0 replaced once the partition is lowered", () -> newRevision.equals(revision(pod("web-0"))));
            kubelet().markReady("web-0");
            await("the update completes: current revision = update revision", () -> {
                StatefulSetStatus s = status("web");
                return eq(s.getCurrentReplicas(), 3) && eq(s.getUpdatedReplicas(), 3) && newRevision.equals(s.getCurrentRevision());
            });
        }
    }

    @Test
    void volumeClaimTemplatesCreateEachPodsClaimsBeforeThePodAndTheBinderBindsThem() throws Exception {
        for (int i = 0; i < 2; i++) {
            client.resource(new PersistentVolumeBuilder().withNewMetadata().withName("disk-" + i).endMetadata().withNewSpec()
                    .withCapacity(Map.of("storage", new Quantity("1Gi"))).withAccessModes("ReadWriteOnce").withStorageClassName("")
                    .withNewHostPath().withPath("/tmp/skiff-sts/disk-" + i).endHostPath().endSpec().build()).create();
        }
        // the creation revisions of claims and pods, from watches started before anything is created
        Map<String, Long> created = new ConcurrentHashMap<>();
        try (Watch claims = client.persistentVolumeClaims().inNamespace("default").watch(addedRevisions(created));
             Watch pods = client.pods().inNamespace("default").watch(addedRevisions(created));
             var manager = ControllerManager.start(client, List.of("statefulset", "persistentvolume-binder"), false, 2)) {
            StatefulSet set = new StatefulSetBuilder(statefulSet("db", 2, "busybox:1")).editSpec().addNewVolumeClaimTemplate()
                    .withNewMetadata().withName("data").addToLabels("tier", "storage").endMetadata().withNewSpec().withAccessModes("ReadWriteOnce")
                    .withStorageClassName("").withNewResources().addToRequests("storage", new Quantity("1Gi")).endResources().endSpec()
                    .endVolumeClaimTemplate().endSpec().build();
            client.resource(set).create();
            for (int i = 0; i < 2; i++) {
                String name = "db-" + i;
                await(name + " created", () -> pod(name) != null);
                kubelet().markReady(name);
            }
            await("both claims and pods seen", () -> created.keySet().containsAll(
                    List.of("PersistentVolumeClaim/data-db-0", "PersistentVolumeClaim/data-db-1", "Pod/db-0", "Pod/db-1")));
            for (int i = 0; i < 2; i++) {
                String claimName = "data-db-" + i;
                assertThat(created.get("PersistentVolumeClaim/" + claimName)).as("%s created before db-%d", claimName, i)
                        .isLessThan(created.get("Pod/db-" + i));
                assertThat(pod("db-" + i).getSpec().getVolumes()).anySatisfy(v -> {
                    assertThat(v.getName()).isEqualTo("data");
                    assertThat(v.getPersistentVolumeClaim().getClaimName()).isEqualTo(claimName);
                });
                PersistentVolumeClaim claim = client.persistentVolumeClaims().inNamespace("default").withName(claimName).get();
                assertThat(claim.getMetadata().getLabels()).containsEntry("tier", "storage").containsEntry("app", "db");
                await(claimName + " Bound", () -> {
                    PersistentVolumeClaim c = client.persistentVolumeClaims().inNamespace("default").withName(claimName).get();
                    return "Bound".equals(c.getStatus().getPhase()) && c.getSpec().getVolumeName() != null;
                });
            }
            assertThat(List.of("disk-0", "disk-1")).allSatisfy(v -> assertThat(client.persistentVolumes().withName(v).get().getStatus()
                    .getPhase()).isEqualTo("Bound"));
            assertThat(client.v1().events().inNamespace("default").list().getItems()).anyMatch(e -> "SuccessfulCreate".equals(e.getReason())
                    && "create Claim data-db-1 Pod db-1 in StatefulSet db success".equals(e.getMessage()));
        }
    }

    /** A watcher recording each added object's resourceVersion (skiff's store revision, so creations order) as Kind/name. */
    private static <T extends HasMetadata> Watcher<T> addedRevisions(Map<String, Long> created) {
        return new Watcher<>() {
            @Override
            public void eventReceived(Action action, T obj) {
                if (action == Action.ADDED) {
                    created.putIfAbsent(obj.getKind() + "/" + obj.getMetadata().getName(), Long.parseLong(obj.getMetadata().getResourceVersion()));
                }
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        };
    }

    private static StatefulSet statefulSet(String name, int replicas, String image) {
        return new StatefulSetBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
                .withNewSpec().withReplicas(replicas).withServiceName(name + "-svc").withNewSelector().addToMatchLabels("app", name).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage(image).endContainer().endSpec().endTemplate()
                .endSpec().build();
    }

    private Pod pod(String name) {
        Pod p = client.pods().inNamespace("default").withName(name).get();
        return p == null || p.getMetadata().getDeletionTimestamp() != null ? null : p;
    }

    private List<String> livePodNames() {
        return kubelet().livePods().stream().map(p -> p.getMetadata().getName()).sorted().toList();
    }

    private StatefulSetStatus status(String name) {
        return client.apps().statefulSets().inNamespace("default").withName(name).get().getStatus();
    }

    private List<ControllerRevision> revisions(String set) {
        return client.apps().controllerRevisions().inNamespace("default").list().getItems().stream()
                .filter(r -> r.getMetadata().getName().startsWith(set + "-")).sorted(Comparator.comparing(ControllerRevision::getRevision)).toList();
    }

    /** The pod's revision label; null for a pod that does not exist (between a deletion and its replacement). */
    private static String revision(Pod p) {
        return p == null ? null : p.getMetadata().getLabels().get("controller-revision-hash");
    }

    private static String image(Pod p) {
        return p == null ? null : p.getSpec().getContainers().getFirst().getImage();
    }

    private static boolean eq(Integer v, int expected) {
        return v != null && v == expected;
    }
}
