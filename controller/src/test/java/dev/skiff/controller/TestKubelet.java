package dev.skiff.controller;

import dev.skiff.apiserver.controlplane.LocalControlPlane;
import dev.skiff.client.rest.RestClients;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The kubelet's part in controller tests (no kubelet runs): reports pods Running with a Ready
 * condition through pods/status, as upstream's integration tests do - one pod on request, or every
 * new pod of the namespace from a background loop that also hands each round's pods to an observer.
 * It starts and owns the control plane (store + API server in-process) it plays against.
 */
public final class TestKubelet implements AutoCloseable {
    private final LocalControlPlane controlPlane;
    private final KubernetesClient client;
    private final String namespace;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private Thread loop;

    private TestKubelet(LocalControlPlane controlPlane, String namespace) {
        this.controlPlane = controlPlane;
        this.client = RestClients.fromKubeconfig(controlPlane.kubeconfig());
        this.namespace = namespace;
    }

    /** A control plane in {@code dir} and a kubelet for {@code namespace} on it. */
    public static TestKubelet onNewControlPlane(Path dir, String namespace) {
        return new TestKubelet(LocalControlPlane.start(dir), namespace);
    }

    /** An admin client of the control plane, closed with the kubelet. */
    public KubernetesClient client() {
        return client;
    }

    /** Marks every pod not yet running Running and Ready, every 50 ms; {@code observer} sees each round's live pods first. */
    public TestKubelet runAll(Consumer<List<Pod>> observer) {
        loop = Thread.ofVirtual().start(() -> {
            while (running.get()) {
                try {
                    List<Pod> pods = livePods();
                    observer.accept(pods);
                    for (Pod p : pods) {
                        if (p.getStatus() == null || !"Running".equals(p.getStatus().getPhase())) {
                            markReady(p.getMetadata().getName());
                        }
                    }
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                } catch (KubernetesClientException e) {
                    // a pod deleted meanwhile: the next round sees the truth
                }
            }
        });
        return this;
    }

    public List<Pod> livePods() {
        return client.pods().inNamespace(namespace).list().getItems().stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
    }

    public void markReady(String pod) {
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        client.pods().inNamespace(namespace).withName(pod).editStatus(p -> new PodBuilder(p).editStatus().withPhase("Running")
                .withConditions().addNewCondition().withType("Ready").withStatus("True").withLastTransitionTime(now).endCondition()
                .endStatus().build());
    }

    /** Polls {@code condition} every 50 ms until it holds, failing after {@code timeout}. */
    public static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out after " + timeout + " waiting for: " + what);
            }
            Thread.sleep(50);
        }
    }

    /** Stops the loop, then the client and the control plane. */
    @Override
    public void close() throws InterruptedException {
        running.set(false);
        if (loop != null) {
            loop.join();
        }
        client.close();
        controlPlane.close();
    }
}
