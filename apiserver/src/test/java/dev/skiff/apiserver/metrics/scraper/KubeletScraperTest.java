package dev.skiff.apiserver.metrics.scraper;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import org.junit.jupiter.api.Test;

class KubeletScraperTest {
    private static Node node(String ready, String simulated) {
        var builder = new NodeBuilder().withNewMetadata().withName("n").endMetadata().withNewStatus().addNewCondition().withType("Ready")
                .withStatus(ready).endCondition().endStatus();
        if (simulated != null) {
            builder.editMetadata().addToLabels("node.skiff.dev/simulated", simulated).endMetadata();
        }
        return builder.build();
    }

    @Test
    void onlyReadyNodesWithAKubeletAreScraped() {
        assertThat(KubeletScraper.scrapable(node("True", null))).isTrue();
        assertThat(KubeletScraper.scrapable(node("False", null))).isFalse();
        assertThat(KubeletScraper.scrapable(node("Unknown", null))).isFalse();
        assertThat(KubeletScraper.scrapable(new NodeBuilder().withNewMetadata().withName("new").endMetadata().build())).isFalse();
        assertThat(KubeletScraper.scrapable(node("True", "true"))).as("a simulated node has no kubelet server").isFalse();
    }
}
