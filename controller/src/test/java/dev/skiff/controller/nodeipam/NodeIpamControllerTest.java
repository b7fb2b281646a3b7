package dev.skiff.controller.nodeipam;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.controller.ControlPlaneTest;
import dev.skiff.controller.ControllerManager;
import dev.skiff.controller.ControllerOptions;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Node IPAM against the real API server: existing CIDRs kept, new nodes get free ones, deleted nodes free theirs. */
class NodeIpamControllerTest extends ControlPlaneTest {

    @Test
    void givesEachNodeAFreePodCidrAndFreesADeletedNodes() throws Exception {
        node("old", "10.42.0.0/24");
        node("outside", "10.64.0.0/24");
        try (var manager = ControllerManager.start(client, List.of(NodeIpamController.NAME), false, 2,
                new ControllerOptions(true, "10.42.0.0/22", 24))) {
            node("a", null);
            node("b", null);
            await("a and b have CIDRs", () -> podCidr("a") != null && podCidr("b") != null);
            assertThat(List.of(podCidr("a"), podCidr("b"))).containsExactlyInAnyOrder("10.42.1.0/24", "10.42.2.0/24");
            assertThat(client.nodes().withName("a").get().getSpec().getPodCIDRs()).containsExactly(podCidr("a"));
            assertThat(podCidr("old")).isEqualTo("10.42.0.0/24");
            assertThat(podCidr("outside")).isEqualTo("10.64.0.0/24");

            node("c", null);
            await("c has the last CIDR", () -> "10.42.3.0/24".equals(podCidr("c")));
            node("d", null);
            await("CIDRNotAvailable for d", () -> client.v1().events().inNamespace("default").list().getItems().stream()
                    .anyMatch(e -> "CIDRNotAvailable".equals(e.getReason()) && "d".equals(e.getInvolvedObject().getName())
                            && "Node d status is now: CIDRNotAvailable".equals(e.getMessage())));
            assertThat(podCidr("d")).isNull();

            String freed = podCidr("a");
            client.nodes().withName("a").delete();
            await("d gets a's CIDR", () -> freed.equals(podCidr("d")));
        }
    }

    @Test
    void allocatesNothingWhenNotEnabled() throws Exception {
        try (var manager = ControllerManager.start(client, List.of(NodeIpamController.NAME, "serviceaccount"), false, 2)) {
            node("plain", null);
            client.resource(new NamespaceBuilder().withNewMetadata().withName("later").endMetadata().build()).create();
            // the service account controller acting after the node was created shows the manager runs; IPAM must have stayed away
            await("default service account", () -> client.serviceAccounts().inNamespace("later").withName("default").get() != null);
            assertThat(podCidr("plain")).isNull();
        }
    }

    private void node(String name, String cidr) {
        var builder = new NodeBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec().endSpec();
        if (cidr != null) {
            builder.editSpec().withPodCIDR(cidr).withPodCIDRs(cidr).endSpec();
        }
        client.resource(builder.build()).create();
    }

    private String podCidr(String name) {
        Node node = client.nodes().withName(name).get();
        return node == null || node.getSpec() == null ? null : node.getSpec().getPodCIDR();
    }
}
