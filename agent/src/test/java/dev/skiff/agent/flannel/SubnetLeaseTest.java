package dev.skiff.agent.flannel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.apiserver.controlplane.LocalControlPlane;
import dev.skiff.client.rest.RestClients;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node's pod CIDR against the real API server: claimed with --pod-cidr, or awaited from node IPAM (played here by the test). */
class SubnetLeaseTest {
    @TempDir
    Path dir;
    private LocalControlPlane controlPlane;
    private KubernetesClient client;

    @BeforeEach
    void start() throws Exception {
        controlPlane = LocalControlPlane.start(dir);
        client = RestClients.fromKubeconfig(controlPlane.kubeconfig());
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        controlPlane.close();
    }

    @Test
    void anExplicitCidrIsWrittenToTheNewNodeAndCannotChangeLater() throws Exception {
        var taint = new TaintBuilder().withKey("dedicated").withValue("x").withEffect("NoSchedule").build();
        String cidr = SubnetLease.acquire(client, "n1", Map.of("kubernetes.io/hostname", "n1"), List.of(taint), "10.42.7.0/24",
                Duration.ofSeconds(5));
        assertThat(cidr).isEqualTo("10.42.7.0/24");
        var node = client.nodes().withName("n1").get();
        assertThat(node.getSpec().getPodCIDR()).isEqualTo("10.42.7.0/24");
        assertThat(node.getSpec().getPodCIDRs()).containsExactly("10.42.7.0/24");
        assertThat(node.getSpec().getTaints()).containsExactly(taint);
        assertThat(node.getMetadata().getLabels()).containsEntry("kubernetes.io/hostname", "n1");

        assertThat(SubnetLease.acquire(client, "n1", Map.of(), List.of(), "10.42.7.0/24", Duration.ofSeconds(5))).isEqualTo("10.42.7.0/24");
        assertThatThrownBy(() -> SubnetLease.acquire(client, "n1", Map.of(), List.of(), "10.42.8.0/24", Duration.ofSeconds(5)))
                .hasMessage("node n1 already has pod CIDR 10.42.7.0/24, which --pod-cidr 10.42.8.0/24 cannot change");
    }

    @Test
    void withoutACidrTheNodeWaitsForTheOneAssignedToIt() throws Exception {
        try (var ipam = Executors.newSingleThreadScheduledExecutor()) {
            ipam.schedule(() -> client.nodes().withName("n2").edit(n -> {
                n.getSpec().setPodCIDR("10.42.3.0/24");
                n.getSpec().setPodCIDRs(List.of("10.42.3.0/24"));
                return n;
            }), 1, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(SubnetLease.acquire(client, "n2", Map.of(), List.of(), null, Duration.ofSeconds(30))).isEqualTo("10.42.3.0/24");
        }
        assertThatThrownBy(() -> SubnetLease.acquire(client, "n3", Map.of(), List.of(), null, Duration.ofMillis(500)))
                .hasMessageStartingWith("node n3 got no pod CIDR within 0 s: is node IPAM on");
    }
}
