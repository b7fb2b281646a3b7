package dev.skiff.controller.podgc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.controller.ControlPlaneTest;
import dev.skiff.controller.ControllerContext;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One round of pod GC against the real API server, with a threshold of 2 and no quarantine. */
class PodGarbageCollectorTest extends ControlPlaneTest {

    @Test
    void deletesTheOldestTerminatedPodsBeyondTheThresholdAndPodsOfMissingNodes() throws Exception {
        client.resource(new NodeBuilder().withNewMetadata().withName("alive").endMetadata().build()).create();
        for (int i = 1; i <= 4; i++) {
            pod("done-" + i, "alive", i % 2 == 0 ? "Succeeded" : "Failed");
            Thread.sleep(1100); // distinct creation timestamps (seconds)
        }
        pod("running", "alive", "Running");
        pod("orphan", "gone", "Running");
        pod("pending", null, "Pending");

        var informers = client.informers();
        var gc = new PodGarbageCollector(new ControllerContext(client, informers, Clock.systemUTC(), 1), 2, Duration.ZERO);
        informers.startAllRegisteredInformers().get();
        try {
            await("caches", () -> informers.getExistingSharedIndexInformer(Pod.class).getIndexer().list().size() == 7);
            gc.gc();
            await("collected", () -> names().equals(List.of("done-3", "done-4", "pending", "running")));
        } finally {
            gc.close();
            informers.stopAllRegisteredInformers();
        }
    }

    private List<String> names() {
        return client.pods().inNamespace("default").list().getItems().stream().map(p -> p.getMetadata().getName()).sorted().toList();
    }

    private void pod(String name, String node, String phase) {
        Pod pod = client.resource(new PodBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
                .withNewSpec().withNodeName(node).addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build())
                .create();
        client.resource(new PodBuilder(pod).editOrNewStatus().withPhase(phase).endStatus().build()).updateStatus();
    }
}
