package dev.skiff.client.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.apiserver.controlplane.LocalControlPlane;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cluster IPs and node ports handed out by the real server (default ranges 10.43.0.0/16 and 30000-32767), through the fabric8 client. */
class ServiceAllocationTest {

    private static Service service(String name, String type, String clusterIp, Integer... nodePorts) {
        List<ServicePort> ports = new ArrayList<>();
        for (int i = 0; i < Math.max(1, nodePorts.length); i++) {
            ports.add(new ServicePortBuilder().withName("p" + i).withPort(80 + i)
                    .withNodePort(nodePorts.length > i ? nodePorts[i] : null).build());
        }
        return new ServiceBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
                .withNewSpec().withType(type).withClusterIP(clusterIp).withPorts(ports).withSelector(java.util.Map.of("app", name)).endSpec().build();
    }

    private static Service create(KubernetesClient client, Service service) {
        return client.services().inNamespace("default").resource(service).create();
    }

    private static String failure(Callable<?> call) {
        try {
            call.call();
        } catch (KubernetesClientException e) {
            assertThat(e.getCode()).isEqualTo(422);
            return e.getStatus().getMessage();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("expected a 422");
    }

    private static void assertInServiceRange(String ip) throws Exception {
        byte[] bytes = InetAddress.getByName(ip).getAddress();
        assertThat(bytes[0]).isEqualTo((byte) 10);
        assertThat(bytes[1]).isEqualTo((byte) 43);
        assertThat(ip).isNotIn("10.43.0.0", "10.43.0.1", "10.43.255.255");
    }

    @Test
    void allocatesClusterIpsAndNodePortsByType(@TempDir Path dir) throws Exception {
        try (var cp = LocalControlPlane.start(dir); KubernetesClient client = RestClients.fromKubeconfig(cp.kubeconfig())) {
            Service clusterIp = create(client, service("web", "ClusterIP", null));
            assertInServiceRange(clusterIp.getSpec().getClusterIP());
            assertThat(clusterIp.getSpec().getClusterIPs()).containsExactly(clusterIp.getSpec().getClusterIP());
            assertThat(clusterIp.getSpec().getPorts().getFirst().getNodePort()).isNull();

            Service empty = create(client, service("empty-ip", "ClusterIP", ""));
            assertInServiceRange(empty.getSpec().getClusterIP());
            assertThat(empty.getSpec().getClusterIP()).isNotEqualTo(clusterIp.getSpec().getClusterIP());

            Service nodePort = create(client, service("np", "NodePort", null, null, null));
            assertInServiceRange(nodePort.getSpec().getClusterIP());
            List<Integer> ports = nodePort.getSpec().getPorts().stream().map(ServicePort::getNodePort).toList();
            assertThat(ports).hasSize(2).doesNotHaveDuplicates().allSatisfy(p -> assertThat(p).isBetween(30000, 32767));

            Service lb = create(client, service("lb", "LoadBalancer", null));
            assertInServiceRange(lb.getSpec().getClusterIP());
            assertThat(lb.getSpec().getPorts().getFirst().getNodePort()).isBetween(30000, 32767).isNotIn(ports);

            Service headless = create(client, service("headless", "ClusterIP", "None"));
            assertThat(headless.getSpec().getClusterIP()).isEqualTo("None");
            assertThat(headless.getSpec().getClusterIPs()).containsExactly("None");

            Service external = create(client, new ServiceBuilder().withNewMetadata().withName("ext").endMetadata().withNewSpec()
                    .withType("ExternalName").withExternalName("example.com").endSpec().build());
            assertThat(external.getSpec().getClusterIP()).isNull();
            assertThat(external.getSpec().getClusterIPs()).isNullOrEmpty();

            // the stored object is what the create returned
            assertThat(client.services().inNamespace("default").withName("np").get().getSpec()).isEqualTo(nodePort.getSpec());
            assertThat(client.services().inNamespace("default").withName("kubernetes").get().getSpec().getClusterIP()).isEqualTo("10.43.0.1");
        }
    }

    @Test
    void requestedIpsAndPortsMustBeInRangeAndFree(@TempDir Path dir) {
        try (var cp = LocalControlPlane.start(dir); KubernetesClient client = RestClients.fromKubeconfig(cp.kubeconfig())) {
            assertThat(failure(() -> create(client, service("a", "ClusterIP", "10.0.0.5")))).isEqualTo("Service \"a\" is invalid: "
                    + "spec.clusterIPs[0]: Invalid value: \"10.0.0.5\": provided IP is not in the valid range. The range of valid IPs is 10.43.0.0/16");
            assertThat(failure(() -> create(client, service("b", "ClusterIP", "10.43.0.1"))))
                    .isEqualTo("Service \"b\" is invalid: spec.clusterIPs[0]: Invalid value: \"10.43.0.1\": provided IP is already allocated");
            assertThat(create(client, service("dns", "ClusterIP", "10.43.0.10")).getSpec().getClusterIPs()).containsExactly("10.43.0.10");
            assertThat(failure(() -> create(client, service("dns2", "ClusterIP", "10.43.0.10"))))
                    .isEqualTo("Service \"dns2\" is invalid: spec.clusterIPs[0]: Invalid value: \"10.43.0.10\": provided IP is already allocated");

            assertThat(failure(() -> create(client, service("c", "NodePort", null, 80)))).isEqualTo("Service \"c\" is invalid: "
                    + "spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767");
            assertThat(create(client, service("d", "NodePort", null, 30080)).getSpec().getPorts().getFirst().getNodePort()).isEqualTo(30080);
            assertThat(failure(() -> create(client, service("e", "NodePort", null, 30081, 30080)))).isEqualTo(
                    "Service \"e\" is invalid: spec.ports[1].nodePort: Invalid value: 30080: provided port is already allocated");
            // a failed create gives back what it took before failing: 30081 is free again, and "c"/"e" took no cluster IP for good
            assertThat(create(client, service("f", "NodePort", null, 30081)).getSpec().getPorts().getFirst().getNodePort()).isEqualTo(30081);
            assertThat(client.services().inNamespace("default").withName("e").get()).isNull();
            // a dry run checks without keeping anything
            Service dry = client.services().inNamespace("default").resource(service("g", "NodePort", "10.43.0.11", 30082)).dryRun().create();
            assertThat(dry.getSpec().getClusterIP()).isEqualTo("10.43.0.11");
            assertThat(create(client, service("g", "NodePort", "10.43.0.11", 30082)).getSpec().getClusterIP()).isEqualTo("10.43.0.11");
        }
    }

    @Test
    void typeChangesAllocateAndReleaseAndDeleteFreesForReuse(@TempDir Path dir) throws Exception {
        try (var cp = LocalControlPlane.start(dir); KubernetesClient client = RestClients.fromKubeconfig(cp.kubeconfig())) {
            var svc = client.services().inNamespace("default");
            Service web = create(client, service("web", "ClusterIP", "10.43.0.20"));
            Service toNodePort = svc.withName("web").edit(s -> new ServiceBuilder(s).editSpec().withType("NodePort").endSpec().build());
            int nodePort = toNodePort.getSpec().getPorts().getFirst().getNodePort();
            assertThat(nodePort).isBetween(30000, 32767);
            assertThat(toNodePort.getSpec().getClusterIP()).isEqualTo("10.43.0.20");
            assertThat(failure(() -> create(client, service("taker", "NodePort", null, nodePort)))).endsWith("provided port is already allocated");

            // a PUT without the allocated values keeps them
            Service put = svc.resource(new ServiceBuilder(service("web", "NodePort", null)).editMetadata()
                    .withResourceVersion(toNodePort.getMetadata().getResourceVersion()).endMetadata().build()).update();
            assertThat(put.getSpec().getClusterIP()).isEqualTo("10.43.0.20");
            assertThat(put.getSpec().getPorts().getFirst().getNodePort()).isEqualTo(nodePort);

            Service back = svc.withName("web").edit(s -> new ServiceBuilder(s).editSpec().withType("ClusterIP").endSpec().build());
            assertThat(back.getSpec().getPorts().getFirst().getNodePort()).isNull();
            assertThat(back.getSpec().getExternalTrafficPolicy()).isNull();
            assertThat(create(client, service("taker", "NodePort", null, nodePort)).getSpec().getPorts().getFirst().getNodePort()).isEqualTo(nodePort);

            Service external = svc.withName("web").edit(s -> new ServiceBuilder(s).editSpec().withType("ExternalName")
                    .withExternalName("example.com").endSpec().build());
            assertThat(external.getSpec().getClusterIP()).isNull();
            Service reuse = create(client, service("reuse", "ClusterIP", "10.43.0.20"));
            assertThat(reuse.getSpec().getClusterIP()).isEqualTo("10.43.0.20");
            Service fromExternal = svc.withName("web").edit(s -> new ServiceBuilder(s).editSpec().withType("ClusterIP")
                    .withExternalName(null).endSpec().build());
            assertInServiceRange(fromExternal.getSpec().getClusterIP());
            assertThat(fromExternal.getSpec().getClusterIP()).isNotEqualTo("10.43.0.20");
            assertThat(web.getMetadata().getUid()).isEqualTo(fromExternal.getMetadata().getUid());

            assertThat(svc.withName("reuse").delete()).isNotEmpty();
            assertThat(svc.withName("taker").delete()).isNotEmpty();
            waitGone(client, "reuse");
            waitGone(client, "taker");
            assertThat(create(client, service("again", "NodePort", "10.43.0.20", nodePort)).getSpec().getClusterIP()).isEqualTo("10.43.0.20");
        }
    }

    private static void waitGone(KubernetesClient client, String name) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (client.services().inNamespace("default").withName(name).get() != null) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    @Test
    void parallelCreatesGetDistinctIpsAndPorts(@TempDir Path dir) throws Exception {
        try (var cp = LocalControlPlane.start(dir); KubernetesClient client = RestClients.fromKubeconfig(cp.kubeconfig());
             var pool = Executors.newFixedThreadPool(16)) {
            List<Future<Service>> creates = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                String name = "s" + i;
                creates.add(pool.submit(() -> create(client, service(name, "NodePort", null))));
            }
            Set<String> ips = new HashSet<>();
            Set<Integer> ports = new HashSet<>();
            for (Future<Service> create : creates) {
                Service created = create.get();
                assertInServiceRange(created.getSpec().getClusterIP());
                ips.add(created.getSpec().getClusterIP());
                ports.add(created.getSpec().getPorts().getFirst().getNodePort());
            }
            assertThat(ips).hasSize(50);
            assertThat(ports).hasSize(50);
        }
    }

    @Test
    void allocationsSurviveARestartOnTheSameData(@TempDir Path dir) {
        String ip;
        int nodePort;
        try (var cp = LocalControlPlane.start(dir); KubernetesClient client = RestClients.fromKubeconfig(cp.kubeconfig())) {
            Service created = create(client, service("kept", "NodePort", null));
            ip = created.getSpec().getClusterIP();
            nodePort = created.getSpec().getPorts().getFirst().getNodePort();
        }
        try (var cp = LocalControlPlane.start(dir); KubernetesClient client = RestClients.fromKubeconfig(cp.kubeconfig())) {
            assertThat(failure(() -> create(client, service("other", "ClusterIP", ip)))).endsWith("provided IP is already allocated");
            assertThat(failure(() -> create(client, service("other", "NodePort", null, nodePort)))).endsWith("provided port is already allocated");
            assertThat(failure(() -> create(client, service("other", "ClusterIP", "10.43.0.1")))).endsWith("provided IP is already allocated");
            assertThat(client.services().inNamespace("default").withName("kept").delete()).isNotEmpty();
            assertThat(create(client, service("other", "NodePort", ip, nodePort)).getSpec().getClusterIP()).isEqualTo(ip);
        }
    }
}
