package dev.skiff.apiserver.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The service rows as upstream's printService prints them for kubectl get svc (and -o wide). */
class ServiceColumnsTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:01:00Z"), ZoneOffset.UTC);

    private static ServiceBuilder svc(String name, String type) {
        return new ServiceBuilder().withNewMetadata().withName(name).withCreationTimestamp("2026-01-01T00:00:00Z").endMetadata()
                .withNewSpec().withType(type).endSpec();
    }

    @Test
    void printsTypeClusterIpExternalIpPortsAgeAndSelectorWhenWide() {
        var clusterIp = svc("web", "ClusterIP").editSpec().withClusterIP("10.43.0.10").withClusterIPs("10.43.0.10")
                .withSelector(Map.of("app", "web", "tier", "fe"))
                .withPorts(new ServicePortBuilder().withPort(80).withProtocol("TCP").build(),
                        new ServicePortBuilder().withPort(53).withProtocol("UDP").build()).endSpec().build();
        var nodePort = svc("np", "NodePort").editSpec().withClusterIPs("10.43.0.11")
                .withPorts(new ServicePortBuilder().withPort(80).withNodePort(30080).withProtocol("TCP").build()).endSpec().build();
        var pending = svc("lb", "LoadBalancer").editSpec().withClusterIPs("10.43.0.12")
                .withPorts(new ServicePortBuilder().withPort(443).withNodePort(31443).withProtocol("TCP").build()).endSpec().build();
        var balanced = svc("lb2", "LoadBalancer").editSpec().withClusterIPs("10.43.0.13").withExternalIPs("5.6.7.8").endSpec()
                .withNewStatus().withNewLoadBalancer().withIngress(new LoadBalancerIngressBuilder().withIp("1.2.3.4").build())
                .endLoadBalancer().endStatus().build();
        var external = svc("db", "ExternalName").editSpec().withExternalName("db.example.com").endSpec().build();
        var headless = svc("hl", "ClusterIP").editSpec().withClusterIP("None").withClusterIPs("None").endSpec().build();

        var table = TableConvertor.forKind("Service", CLOCK).table(List.of(clusterIp, nodePort, pending, balanced, external, headless),
                "1", null, null, "None", true);
        assertThat(table.get("columnDefinitions").findValuesAsText("name"))
                .containsExactly("Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "Selector");
        assertThat(table.get("columnDefinitions").get(6).get("priority").asInt()).isEqualTo(1);
        var rows = table.get("rows");
        assertThat(rows.get(0).get("cells").toString()).isEqualTo("[\"web\",\"ClusterIP\",\"10.43.0.10\",\"<none>\",\"80/TCP,53/UDP\",\"60s\",\"app=web,tier=fe\"]");
        assertThat(rows.get(1).get("cells").toString()).isEqualTo("[\"np\",\"NodePort\",\"10.43.0.11\",\"<none>\",\"80:30080/TCP\",\"60s\",\"<none>\"]");
        assertThat(rows.get(2).get("cells").toString()).isEqualTo("[\"lb\",\"LoadBalancer\",\"10.43.0.12\",\"<pending>\",\"443:31443/TCP\",\"60s\",\"<none>\"]");
        assertThat(rows.get(3).get("cells").get(3).asText()).isEqualTo("1.2.3.4,5.6.7.8");
        assertThat(rows.get(4).get("cells").toString()).isEqualTo("[\"db\",\"ExternalName\",\"<none>\",\"db.example.com\",\"<none>\",\"60s\",\"<none>\"]");
        assertThat(rows.get(5).get("cells").get(2).asText()).isEqualTo("None");
    }
}
