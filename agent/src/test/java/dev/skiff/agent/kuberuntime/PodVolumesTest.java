package dev.skiff.agent.kuberuntime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.agent.containerd.Containerd;
import dev.skiff.agent.containerd.ContainerdConfig;
import dev.skiff.agent.cri.RemoteRuntime;
import dev.skiff.agent.kubelet.envvars.EnvResolver;
import dev.skiff.agent.kubelet.volumemanager.VolumeManager;
import dev.skiff.agent.volume.util.Mounts;
import dev.skiff.apiserver.controlplane.LocalControlPlane;
import dev.skiff.client.record.EventRecorder;
import dev.skiff.client.rest.RestClients;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Pod volumes and init containers through the real sync path: {@link RuntimePodSyncer} over the
 * agent's own containerd (bridge skiff-vo0 on 10.88.82.0/24), with config maps, secrets, claims and
 * events in a real API server. Files and mounts are checked inside the containers with exec.
 */
@Tag("containerd")
class PodVolumesTest {
    private static final String POD_CIDR = "10.88.82.0/24";
    private static final String BRIDGE = "skiff-vo0";
    private static Path dataDir;
    private static Containerd containerd;
    private static RemoteRuntime cri;
    private static KubeRuntimeManager runtime;
    private static LocalControlPlane controlPlane;
    private static KubernetesClient client;
    private static EventRecorder events;
    private static VolumeManager volumes;
    private static RuntimePodSyncer syncer;

    @BeforeAll
    static void start() throws IOException {
        dataDir = Files.createTempDirectory(Path.of("/tmp"), "skiff-vo-");
        controlPlane = LocalControlPlane.start(dataDir.resolve("server"));
        client = RestClients.fromKubeconfig(controlPlane.kubeconfig());
        containerd = Containerd.start(ContainerdConfig.defaults(dataDir.resolve("c"), POD_CIDR, BRIDGE), Duration.ofSeconds(60));
        LocalRuntime.importLocalImages(containerd, dataDir.resolve("images"));
        cri = RemoteRuntime.connect(containerd.endpoint(), Duration.ofSeconds(30));
        var env = new EnvResolver(client, r -> new Quantity(r.equals("memory") ? "1Gi" : "2"));
        events = new EventRecorder(client, "kubelet", "node-a", Clock.systemUTC());
        // remount at every sync: an update of a config map shows at the next sync
        volumes = new VolumeManager(client, dataDir.resolve("pods"), env, events, Duration.ZERO, Clock.systemUTC());
        runtime = new KubeRuntimeManager(cri, dataDir.resolve("logs")).withMounts(volumes::mounts);
        syncer = new RuntimePodSyncer(runtime, env, volumes, "192.0.2.10", Clock.systemUTC());
    }

    @AfterAll
    static void stop() throws IOException {
        if (volumes != null) {
            volumes.close();
        }
        if (cri != null) {
            cri.close();
        }
        if (containerd != null) {
            containerd.teardown();
            containerd.close();
        }
        if (events != null) {
            events.close();
        }
        if (client != null) {
            client.close();
        }
        if (controlPlane != null) {
            controlPlane.close();
        }
    }

    static Pod pod(String name, String specJson) {
        Pod pod = Serialization.unmarshal("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"" + name
                + "\",\"namespace\":\"default\",\"labels\":{\"app\":\"web\",\"tier\":\"front\"}},\"spec\":" + specJson + "}", Pod.class);
        pod.getMetadata().setUid(UUID.randomUUID().toString());
        pod.getSpec().setNodeName("node-a");
        return pod;
    }

    /** Syncs the pod as the kubelet does (again and again) until its status satisfies {@code done}, at most 90 s. */
    static PodStatus syncUntil(Pod pod, Predicate<PodStatus> done) throws Exception {
        Instant deadline = Instant.now().plusSeconds(90);
        PodStatus status = syncer.syncPod(pod);
        while (!done.test(status) && Instant.now().isBefore(deadline)) {
            Thread.sleep(200);
            status = syncer.syncPod(pod);
        }
        return status;
    }

    static boolean running(PodStatus s) {
        return s.getContainerStatuses() != null && !s.getContainerStatuses().isEmpty()
                && s.getContainerStatuses().stream().allMatch(c -> c.getState().getRunning() != null);
    }

    record Exec(int exitCode, String stdout, String stderr) {
    }

    static Exec exec(Pod pod, String container, String script) {
        var r = runtime.execSync(syncer.runningPod(pod.getMetadata().getUid()).orElseThrow(), container, List.of("sh", "-c", script), Duration.ofSeconds(20));
        return new Exec(r.getExitCode(), r.getStdout().toString(StandardCharsets.UTF_8), r.getStderr().toString(StandardCharsets.UTF_8));
    }

    /** Runs {@code script} in the container until its output is {@code expected} (at most 90 s, syncing meanwhile); returns the last output. */
    static String awaitOutput(Pod pod, String container, String script, String expected) throws Exception {
        Instant deadline = Instant.now().plusSeconds(90);
        String out = exec(pod, container, script).stdout();
        while (!out.equals(expected) && Instant.now().isBefore(deadline)) {
            Thread.sleep(200);
            syncer.syncPod(pod);
            out = exec(pod, container, script).stdout();
        }
        return out;
    }

    private static Path podDir(Pod pod) {
        return dataDir.resolve("pods").resolve(pod.getMetadata().getUid());
    }

    private static boolean anythingMountedUnder(Path dir) throws IOException {
        return Mounts.mountPoints().stream().anyMatch(p -> p.startsWith(dir));
    }

    @Test
    void everyVolumeTypeShowsItsContentInTheContainerAndIsTornDownWithThePod() throws Exception {
        client.resource(new ConfigMapBuilder().withNewMetadata().withName("app-config").withNamespace("default").endMetadata()
                .addToData("greeting", "hello").addToData("level", "debug").build()).create();
        client.resource(new SecretBuilder().withNewMetadata().withName("app-secret").withNamespace("default").endMetadata()
                .addToStringData("password", "s3cret").build()).create();
        Path hostDir = dataDir.resolve("host-data");
        Path pvDir = dataDir.resolve("pv-data");
        Files.createDirectories(pvDir);
        Files.writeString(pvDir.resolve("stored.txt"), "persistent");
        client.resource(new PersistentVolumeBuilder().withNewMetadata().withName("pv-a").endMetadata().withNewSpec()
                .addToCapacity("storage", new Quantity("1Gi")).withAccessModes("ReadWriteOnce").withNewHostPath().withPath(pvDir.toString())
                .endHostPath().withNewClaimRef().withNamespace("default").withName("claim-a").endClaimRef().endSpec().build()).create();
        client.resource(new PersistentVolumeClaimBuilder().withNewMetadata().withName("claim-a").withNamespace("default").endMetadata()
                .withNewSpec().withAccessModes("ReadWriteOnce").withVolumeName("pv-a").withNewResources()
                .addToRequests("storage", new Quantity("1Gi")).endResources().endSpec().build()).create();

        Pod pod = pod("volumes", """
                {"containers":[{"name":"main","image":"busybox:1.35","command":["sh","-c","sleep 3600"],
                  "resources":{"limits":{"memory":"64Mi"}},
                  "env":[{"name":"SUB","value":"from-env"}],
                  "volumeMounts":[
                    {"name":"conf","mountPath":"/etc/conf"},
                    {"name":"conf-items","mountPath":"/etc/items"},
                    {"name":"creds","mountPath":"/etc/creds"},
                    {"name":"podinfo","mountPath":"/etc/podinfo"},
                    {"name":"all-in-one","mountPath":"/etc/projected"},
                    {"name":"cache","mountPath":"/cache"},
                    {"name":"scratch","mountPath":"/scratch"},
                    {"name":"scratch","mountPath":"/scratch-sub","subPath":"sub"},
                    {"name":"scratch","mountPath":"/scratch-expr","subPathExpr":"$(SUB)"},
                    {"name":"host","mountPath":"/host","readOnly":true},
                    {"name":"claim","mountPath":"/data"}]}],
                 "volumes":[
                  {"name":"conf","configMap":{"name":"app-config"}},
                  {"name":"conf-items","configMap":{"name":"app-config","items":[{"key":"greeting","path":"dir/hello.txt","mode":384}]}},
                  {"name":"creds","secret":{"secretName":"app-secret","defaultMode":256}},
                  {"name":"podinfo","downwardAPI":{"items":[{"path":"labels","fieldRef":{"fieldPath":"metadata.labels"}},
                     {"path":"name","fieldRef":{"fieldPath":"metadata.name"}},
                     {"path":"mem","resourceFieldRef":{"containerName":"main","resource":"limits.memory","divisor":"1Mi"}}]}},
                  {"name":"all-in-one","projected":{"sources":[{"configMap":{"name":"app-config","items":[{"key":"level","path":"level"}]}},
                     {"secret":{"name":"app-secret"}},{"downwardAPI":{"items":[{"path":"ns","fieldRef":{"fieldPath":"metadata.namespace"}}]}}]}},
                  {"name":"cache","emptyDir":{"medium":"Memory","sizeLimit":"16Mi"}},
                  {"name":"scratch","emptyDir":{}},
                  {"name":"host","hostPath":{"path":"%s","type":"DirectoryOrCreate"}},
                  {"name":"claim","persistentVolumeClaim":{"claimName":"claim-a"}}]}""".formatted(hostDir));
        PodStatus status = syncUntil(pod, PodVolumesTest::running);
        assertThat(status.getPhase()).isEqualTo("Running");
        try {
            assertThat(exec(pod, "main", "cat /etc/conf/greeting; echo; cat /etc/conf/level").stdout()).isEqualTo("hello\ndebug");
            assertThat(exec(pod, "main", "ls /etc/items; cat /etc/items/dir/hello.txt; stat -L -c %a /etc/items/dir/hello.txt").stdout())
                    .isEqualTo("dir\nhello600\n");
            // the atomic writer's layout, seen from inside
            assertThat(exec(pod, "main", "readlink /etc/conf/greeting; readlink /etc/conf/..data").stdout())
                    .matches("(?s)\\.\\.data/greeting\n\\.\\.\\d{4}_\\d\\d_\\d\\d_\\d\\d_\\d\\d_\\d\\d\\..+\n");
            assertThat(exec(pod, "main", "cat /etc/creds/password; stat -L -c %a /etc/creds/password").stdout()).isEqualTo("s3cret400\n");
            assertThat(exec(pod, "main", "cat /etc/podinfo/labels; echo; cat /etc/podinfo/name; echo; cat /etc/podinfo/mem").stdout())
                    .isEqualTo("app=\"web\"\ntier=\"front\"\nvolumes\n64");
            assertThat(exec(pod, "main", "cat /etc/projected/level /etc/projected/password /etc/projected/ns").stdout())
                    .isEqualTo("debugs3cretdefault");
            // API data volumes are read-only for the container
            assertThat(exec(pod, "main", "touch /etc/conf/new").exitCode()).isNotZero();
            // secrets and memory emptyDirs are tmpfs; the sizeLimit caps it
            assertThat(exec(pod, "main", "grep ' /cache ' /proc/mounts").stdout()).startsWith("tmpfs /cache tmpfs rw").contains("size=16384k");
            // a secret's tmpfs is as large as the pod's memory limit (64Mi), as upstream sizes memory-backed volumes
            assertThat(exec(pod, "main", "grep ' /etc/creds ' /proc/mounts").stdout()).startsWith("tmpfs /etc/creds tmpfs ro")
                    .contains("size=65536k");
            assertThat(exec(pod, "main", "dd if=/dev/zero of=/cache/big bs=1M count=32 2>&1").exitCode()).isNotZero();
            Path scratch = volumes.volumeDir(pod.getMetadata().getUid(), "kubernetes.io~empty-dir", "scratch");
            assertThat(exec(pod, "main", "echo a > /scratch-sub/f && echo b > /scratch-expr/g && echo c > /scratch/h").exitCode()).isZero();
            assertThat(scratch.resolve("sub/f")).hasContent("a");
            assertThat(scratch.resolve("from-env/g")).hasContent("b");
            assertThat(scratch.resolve("h")).hasContent("c");
            // hostPath: created by DirectoryOrCreate, mounted read-only as asked
            assertThat(hostDir).isDirectory();
            assertThat(exec(pod, "main", "touch /host/x").exitCode()).isNotZero();
            assertThat(exec(pod, "main", "cat /data/stored.txt && echo written > /data/out.txt").stdout()).isEqualTo("persistent");
            assertThat(pvDir.resolve("out.txt")).hasContent("written");

            // an update of the config map reaches the running container (the atomic writer swaps ..data)
            client.configMaps().inNamespace("default").withName("app-config")
                    .edit(cm -> new ConfigMapBuilder(cm).addToData("greeting", "hello again").build());
            assertThat(awaitOutput(pod, "main", "cat /etc/conf/greeting", "hello again")).isEqualTo("hello again");
            assertThat(awaitOutput(pod, "main", "cat /etc/items/dir/hello.txt", "hello again")).isEqualTo("hello again");
            assertThat(anythingMountedUnder(podDir(pod))).isTrue();
        } finally {
            syncer.syncTerminatingPod(pod, Duration.ZERO);
        }
        assertThat(podDir(pod)).doesNotExist();
        assertThat(anythingMountedUnder(podDir(pod))).isFalse();
        assertThat(pvDir.resolve("stored.txt")).hasContent("persistent"); // the node's data stays
        assertThat(hostDir).isDirectory();
    }

    @Test
    void aMissingConfigMapKeepsThePodContainerCreatingWithAFailedMountEventUntilItExists() throws Exception {
        Pod pod = pod("waits-for-config", """
                {"containers":[{"name":"main","image":"busybox:1.35","command":["sh","-c","sleep 3600"],
                  "volumeMounts":[{"name":"cfg","mountPath":"/cfg"},{"name":"maybe","mountPath":"/maybe"}]}],
                 "volumes":[{"name":"cfg","configMap":{"name":"late-config"}},
                            {"name":"maybe","secret":{"secretName":"never-there","optional":true}}]}""");
        try {
            PodStatus status = syncer.syncPod(pod);
            assertThat(status.getPhase()).isEqualTo("Pending");
            ContainerStatus main = status.getContainerStatuses().getFirst();
            assertThat(main.getState().getWaiting().getReason()).isEqualTo("ContainerCreating");
            assertThat(syncer.runningPod(pod.getMetadata().getUid())).isEmpty();
            String message = "MountVolume.SetUp failed for volume \"cfg\" : configmap \"late-config\" not found";
            Event event = awaitEvent(pod, message);
            assertThat(event.getReason()).isEqualTo("FailedMount");
            assertThat(event.getType()).isEqualTo("Warning");
            assertThat(event.getInvolvedObject().getUid()).isEqualTo(pod.getMetadata().getUid());

            client.resource(new ConfigMapBuilder().withNewMetadata().withName("late-config").withNamespace("default").endMetadata()
                    .addToData("k", "v").build()).create();
            assertThat(syncUntil(pod, PodVolumesTest::running).getPhase()).isEqualTo("Running");
            assertThat(exec(pod, "main", "cat /cfg/k; ls -A /maybe | grep -v '^\\.\\.' | wc -l").stdout()).isEqualTo("v0\n");
        } finally {
            syncer.syncTerminatingPod(pod, Duration.ZERO);
        }
        assertThat(podDir(pod)).doesNotExist();
    }

    private static Event awaitEvent(Pod pod, String message) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(30);
        while (Instant.now().isBefore(deadline)) {
            for (Event e : client.v1().events().inNamespace("default").list().getItems()) {
                if (message.equals(e.getMessage()) && pod.getMetadata().getName().equals(e.getInvolvedObject().getName())) {
                    return e;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no event with message " + message);
    }

    @Test
    void initContainersRunInOrderToCompletionBeforeTheAppContainers() throws Exception {
        Pod pod = pod("init-order", """
                {"containers":[{"name":"app","image":"busybox:1.35","command":["sh","-c","cat /work/log > /work/seen; sleep 3600"],
                   "volumeMounts":[{"name":"work","mountPath":"/work"}]}],
                 "initContainers":[
                   {"name":"first","image":"busybox:1.35","command":["sh","-c","echo one >> /work/log; sleep 1"],
                    "volumeMounts":[{"name":"work","mountPath":"/work"}]},
                   {"name":"second","image":"busybox:1.35","command":["sh","-c","test -f /work/log && echo two >> /work/log"],
                    "volumeMounts":[{"name":"work","mountPath":"/work"}]}],
                 "volumes":[{"name":"work","emptyDir":{}}]}""");
        try {
            PodStatus first = syncer.syncPod(pod); // the sandbox with the first init container only
            assertThat(first.getPhase()).isEqualTo("Pending");
            assertThat(first.getConditions()).filteredOn(c -> c.getType().equals("Initialized")).singleElement()
                    .satisfies(c -> {
                        assertThat(c.getStatus()).isEqualTo("False");
                        assertThat(c.getReason()).isEqualTo("ContainersNotInitialized");
                        assertThat(c.getMessage()).isEqualTo("containers with incomplete status: [first second]");
                    });
            assertThat(first.getContainerStatuses().getFirst().getState().getWaiting().getReason()).isEqualTo("PodInitializing");
            assertThat(first.getInitContainerStatuses()).extracting(ContainerStatus::getName).containsExactly("first", "second");
            assertThat(first.getInitContainerStatuses().get(1).getState().getWaiting().getReason()).isEqualTo("PodInitializing");
            assertThat(syncer.runningPod(pod.getMetadata().getUid()).orElseThrow().containerIds()).containsOnlyKeys("first");

            PodStatus status = syncUntil(pod, PodVolumesTest::running);
            assertThat(status.getPhase()).isEqualTo("Running");
            assertThat(status.getConditions()).filteredOn(c -> c.getType().equals("Initialized")).singleElement()
                    .satisfies(c -> assertThat(c.getStatus()).isEqualTo("True"));
            assertThat(status.getInitContainerStatuses()).allSatisfy(s -> {
                assertThat(s.getState().getTerminated().getExitCode()).isZero();
                assertThat(s.getState().getTerminated().getReason()).isEqualTo("Completed");
            });
            assertThat(awaitOutput(pod, "app", "cat /work/seen", "one\ntwo\n")).isEqualTo("one\ntwo\n");
        } finally {
            syncer.syncTerminatingPod(pod, Duration.ZERO);
        }
    }

    @Test
    void aFailedInitContainerFailsANeverPodAndIsRestartedOtherwise() throws Exception {
        Pod never = pod("init-fails", """
                {"restartPolicy":"Never","containers":[{"name":"app","image":"busybox:1.35","command":["true"]}],
                 "initContainers":[{"name":"setup","image":"busybox:1.35","command":["sh","-c","exit 3"]}]}""");
        try {
            PodStatus status = syncUntil(never, s -> "Failed".equals(s.getPhase()));
            assertThat(status.getPhase()).isEqualTo("Failed");
            assertThat(status.getInitContainerStatuses().getFirst().getState().getTerminated().getExitCode()).isEqualTo(3);
            assertThat(status.getContainerStatuses().getFirst().getState().getWaiting().getReason()).isEqualTo("PodInitializing");
            assertThat(syncer.runningPod(never.getMetadata().getUid()).orElseThrow().containerIds()).containsOnlyKeys("setup");
        } finally {
            syncer.syncTerminatingPod(never, Duration.ZERO);
        }

        Pod retried = pod("init-retried", """
                {"restartPolicy":"OnFailure","containers":[{"name":"app","image":"busybox:1.35","command":["sh","-c","sleep 3600"]}],
                 "initContainers":[{"name":"setup","image":"busybox:1.35",
                   "command":["sh","-c","if [ -f /work/tried ]; then exit 0; fi; touch /work/tried; exit 1"],
                   "volumeMounts":[{"name":"work","mountPath":"/work"}]}],
                 "volumes":[{"name":"work","emptyDir":{}}]}""");
        try {
            List<String> reasons = new java.util.ArrayList<>();
            PodStatus status = syncUntil(retried, s -> {
                s.getInitContainerStatuses().forEach(c -> {
                    if (c.getState().getWaiting() != null) {
                        reasons.add(c.getState().getWaiting().getReason());
                    }
                });
                return running(s);
            });
            assertThat(status.getPhase()).isEqualTo("Running");
            assertThat(reasons).contains("CrashLoopBackOff");
            ContainerStatus setup = status.getInitContainerStatuses().getFirst();
            assertThat(setup.getRestartCount()).isEqualTo(1);
            assertThat(setup.getState().getTerminated().getExitCode()).isZero();
            assertThat(setup.getLastState().getTerminated().getExitCode()).isEqualTo(1);
        } finally {
            syncer.syncTerminatingPod(retried, Duration.ZERO);
        }
    }

    @Test
    void aSidecarInitContainerKeepsRunningBesideTheAppContainerAndStopsAfterIt() throws Exception {
        Pod pod = pod("sidecar", """
                {"containers":[{"name":"app","image":"busybox:1.35","command":["sh","-c","sleep 3600"],
                   "volumeMounts":[{"name":"shared","mountPath":"/shared"}]}],
                 "initContainers":[{"name":"logger","image":"busybox:1.35","restartPolicy":"Always",
                   "command":["sh","-c","echo up > /shared/sidecar; sleep 3600"],"volumeMounts":[{"name":"shared","mountPath":"/shared"}]}],
                 "volumes":[{"name":"shared","emptyDir":{}}]}""");
        try {
            PodStatus status = syncUntil(pod, PodVolumesTest::running);
            assertThat(status.getPhase()).isEqualTo("Running");
            assertThat(status.getInitContainerStatuses().getFirst().getState().getRunning()).isNotNull();
            assertThat(exec(pod, "app", "cat /shared/sidecar").stdout()).isEqualTo("up\n");
        } finally {
            syncer.syncTerminatingPod(pod, Duration.ZERO);
        }

        Pod job = pod("sidecar-job", """
                {"restartPolicy":"Never","terminationGracePeriodSeconds":1,
                 "containers":[{"name":"app","image":"busybox:1.35","command":["true"],"volumeMounts":[{"name":"mem","mountPath":"/mem"}]}],
                 "initContainers":[{"name":"logger","image":"busybox:1.35","restartPolicy":"Always","command":["sh","-c","sleep 3600"]}],
                 "volumes":[{"name":"mem","emptyDir":{"medium":"Memory"}}]}""");
        try {
            PodStatus status = syncUntil(job, s -> "Succeeded".equals(s.getPhase())
                    && s.getInitContainerStatuses().getFirst().getState().getTerminated() != null);
            assertThat(status.getPhase()).isEqualTo("Succeeded");
            // once the app container has finished, the sidecar is stopped and not restarted
            assertThat(status.getInitContainerStatuses().getFirst().getState().getTerminated()).isNotNull();
            assertThat(syncer.syncPod(job).getInitContainerStatuses().getFirst().getRestartCount()).isZero();
            // a finished pod's volumes are torn down before the pod is deleted
            assertThat(anythingMountedUnder(podDir(job))).isFalse();
            assertThat(podDir(job)).doesNotExist();
        } finally {
            syncer.syncTerminatingPod(job, Duration.ZERO);
        }
    }
}
