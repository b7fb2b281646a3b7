package dev.skiff.controller.endpoint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.controller.ControlPlaneTest;
import dev.skiff.controller.ControllerManager;
import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/** The Endpoints and EndpointSlice controllers (with the garbage collector) against the real API server; the test plays the kubelet, writing pod IPs and readiness. */
class EndpointsControllersTest extends ControlPlaneTest {

    @Test
    void endpointsAndSlicesFollowTheSelectedPodsReadinessAndDeletion() throws Exception {
        try (var manager = ControllerManager.start(client, List.of("endpoint", "endpointslice", "garbage-collector"), false, 2)) {
            client.resource(new ServiceBuilder().withNewMetadata().withName("web").withNamespace("default").addToLabels("tier", "front")
                    .endMetadata().withNewSpec().addToSelector("app", "web")
                    .addNewPort().withName("http").withPort(80).withTargetPort(new IntOrString("http")).endPort()
                    .endSpec().build()).create();
            await("a placeholder slice for the service without endpoints", () -> slices("web").size() == 1
                    && slices("web").getFirst().getEndpoints().isEmpty());
            pod("web-1", "web", "10.42.0.11", true);
            pod("web-2", "web", "10.42.0.12", false);
            pod("other", "db", "10.42.0.13", true);

            await("endpoints list the ready pod and the not-ready one apart", () -> {
                Endpoints e = client.endpoints().inNamespace("default").withName("web").get();
                return e != null && e.getSubsets().size() == 1 && ips(e.getSubsets().getFirst().getAddresses()).equals(List.of("10.42.0.11"))
                        && ips(e.getSubsets().getFirst().getNotReadyAddresses()).equals(List.of("10.42.0.12"));
            });
            Endpoints e = client.endpoints().inNamespace("default").withName("web").get();
            EndpointSubset subset = e.getSubsets().getFirst();
            assertThat(subset.getPorts()).singleElement().satisfies(p -> {
                assertThat(p.getName()).isEqualTo("http");
                assertThat(p.getPort()).isEqualTo(8080);
                assertThat(p.getProtocol()).isEqualTo("TCP");
            });
            assertThat(subset.getAddresses().getFirst().getTargetRef().getName()).isEqualTo("web-1");
            assertThat(e.getMetadata().getLabels()).containsEntry("tier", "front").containsEntry("endpointslice.kubernetes.io/skip-mirror", "true");

            await("one slice with both endpoints", () -> slices("web").size() == 1 && slices("web").getFirst().getEndpoints().size() == 2);
            EndpointSlice slice = slices("web").getFirst();
            assertThat(slice.getMetadata().getName()).startsWith("web-");
            assertThat(slice.getAddressType()).isEqualTo("IPv4");
            assertThat(slice.getMetadata().getLabels()).containsEntry("kubernetes.io/service-name", "web")
                    .containsEntry("endpointslice.kubernetes.io/managed-by", "endpointslice-controller.k8s.io").containsEntry("tier", "front");
            assertThat(slice.getMetadata().getOwnerReferences()).singleElement().satisfies(r -> {
                assertThat(r.getKind()).isEqualTo("Service");
                assertThat(r.getController()).isTrue();
            });
            assertThat(slice.getPorts()).singleElement().satisfies(p -> assertThat(p.getPort()).isEqualTo(8080));
            Endpoint ready = slice.getEndpoints().getFirst();
            assertThat(ready.getAddresses()).containsExactly("10.42.0.11");
            assertThat(ready.getConditions().getReady()).isTrue();
            assertThat(ready.getConditions().getServing()).isTrue();
            assertThat(ready.getConditions().getTerminating()).isFalse();
            assertThat(slice.getEndpoints().get(1).getConditions().getReady()).isFalse();

            // readiness flips, a pod goes
            setStatus("web-2", "10.42.0.12", true);
            client.pods().inNamespace("default").withName("web-1").delete();
            await("endpoints follow", () -> {
                Endpoints now = client.endpoints().inNamespace("default").withName("web").get();
                return now.getSubsets().size() == 1 && ips(now.getSubsets().getFirst().getAddresses()).equals(List.of("10.42.0.12"))
                        && now.getSubsets().getFirst().getNotReadyAddresses().isEmpty();
            });
            await("the slice follows", () -> slices("web").size() == 1 && slices("web").getFirst().getEndpoints().size() == 1
                    && slices("web").getFirst().getEndpoints().getFirst().getConditions().getReady());

            client.services().inNamespace("default").withName("web").delete();
            await("endpoints and slices go with the service", () -> client.endpoints().inNamespace("default").withName("web").get() == null
                    && slices("web").isEmpty());
        }
    }

    @Test
    void aServiceWithoutSelectorKeepsItsOwnEndpoints() throws Exception {
        try (var manager = ControllerManager.start(client, List.of("endpoint", "endpointslice"), false, 2)) {
            client.resource(new ServiceBuilder().withNewMetadata().withName("external").withNamespace("default").endMetadata()
                    .withNewSpec().addNewPort().withPort(5432).endPort().endSpec().build()).create();
            client.resource(new io.fabric8.kubernetes.api.model.EndpointsBuilder().withNewMetadata().withName("external")
                    .withNamespace("default").endMetadata().addNewSubset().addNewAddress().withIp("192.0.2.10").endAddress()
                    .addNewPort().withPort(5432).endPort().endSubset().build()).create();
            // a selected-service sync in the same namespace proves the controllers run
            client.resource(new ServiceBuilder().withNewMetadata().withName("probe").withNamespace("default").endMetadata()
                    .withNewSpec().addToSelector("app", "probe").addNewPort().withPort(80).endPort().endSpec().build()).create();
            await("the controllers ran", () -> client.endpoints().inNamespace("default").withName("probe").get() != null
                    && !slices("probe").isEmpty());
            assertThat(ips(client.endpoints().inNamespace("default").withName("external").get().getSubsets().getFirst().getAddresses()))
                    .containsExactly("192.0.2.10");
            assertThat(slices("external")).isEmpty();
        }
    }

    private void pod(String name, String app, String ip, boolean ready) {
        client.resource(new PodBuilder().withNewMetadata().withName(name).withNamespace("default").addToLabels("app", app).endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("busybox").addNewPort().withName("http").withContainerPort(8080)
                .endPort().endContainer().endSpec().build()).create();
        setStatus(name, ip, ready);
    }

    private void setStatus(String name, String ip, boolean ready) {
        Pod pod = client.pods().inNamespace("default").withName(name).get();
        client.resource(new PodBuilder(pod).editOrNewStatus().withPhase("Running").withPodIP(ip).withPodIPs(new io.fabric8.kubernetes.api.model.PodIP(ip))
                .withConditions().addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition().endStatus().build())
                .updateStatus();
    }

    private List<EndpointSlice> slices(String service) {
        return client.discovery().v1().endpointSlices().inNamespace("default").withLabel("kubernetes.io/service-name", service).list()
                .getItems();
    }

    private static List<String> ips(List<EndpointAddress> addresses) {
        return addresses == null ? List.of() : addresses.stream().map(EndpointAddress::getIp).filter(Objects::nonNull).toList();
    }
}
