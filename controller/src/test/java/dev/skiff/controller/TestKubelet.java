package dev.skiff.controller;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The kubelet's part in controller tests (no kubelet runs): reports pods Running with a Ready
 * condition through pods/status, as upstream's integration tests do - one pod on request, or every
 * new pod of the namespace from a background loop that also hands each round's pods to an observer.
 * It plays against the test's own client (see {@link ControlPlaneTest#kubelet()}) and owns only its loop.
 */
public final class TestKubelet implements AutoCloseable {
    private final KubernetesClient client;
    private final String namespace;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private Thread loop;

    public TestKubelet(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    /** Marks every pod not yet running Running and Ready, every 50 ms; {@code observer} sees each round's live pods first. */
    public TestKubelet runAll(Consumer<List<Pod>> observer) {
        return runAll(observer, pod -> true);
    }

    /** As {@link #runAll(Consumer)}, but pods {@code starts} refuses stay Pending, as with an image that cannot be pulled. */
    public TestKubelet runAll(Consumer<List<Pod>> observer, Predicate<Pod> starts) {
        loop = Thread.ofVirtual().start(() -> {
            while (running.get()) {
                try {
                    List<Pod> pods = livePods();
                    observer.accept(pods);
                    for (Pod p : pods) {
                        if ((p.getStatus() == null || !"Running".equals(p.getStatus().getPhase())) && starts.test(p)) {
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

    /** Stops the loop and waits for it; the client stays the test's. */
    @Override
    public void close() throws InterruptedException {
        running.set(false);
        if (loop != null) {
            loop.join();
        }
    }
}
