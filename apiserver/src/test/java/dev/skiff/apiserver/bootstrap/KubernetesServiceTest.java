package dev.skiff.apiserver.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.registry.core.endpoint.EndpointsStrategy;
import dev.skiff.registry.core.service.ServiceStrategy;
import dev.skiff.registry.generic.GenericRegistry;
import dev.skiff.store.embedded.EmbeddedStore;
import dev.skiff.store.embedded.EmbeddedStoreConfig;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KubernetesServiceTest {

    @Test
    void createsTheServiceAndEndpointsOnceAndFollowsThePort(@TempDir Path dir) throws Exception {
        try (var store = EmbeddedStore.open(EmbeddedStoreConfig.defaults(dir))) {
            var services = new GenericRegistry<>(store, ServiceStrategy.RESOURCE, new ServiceStrategy(), Clock.systemUTC(), new SplittableRandom(1));
            var endpoints = new GenericRegistry<>(store, EndpointsStrategy.RESOURCE, new EndpointsStrategy(), Clock.systemUTC(), new SplittableRandom(2));
            InetAddress serviceIp = InetAddress.getByName("10.43.0.1");
            Optional<InetAddress> advertise = Optional.of(InetAddress.getByName("192.168.5.10"));
            KubernetesService.ensure(services, endpoints, serviceIp, advertise, 6443);

            var service = services.get("default", "kubernetes");
            assertThat(service.getMetadata().getLabels()).containsEntry("component", "apiserver").containsEntry("provider", "kubernetes");
            assertThat(service.getSpec().getClusterIPs()).containsExactly("10.43.0.1");
            assertThat(service.getSpec().getPorts()).singleElement().satisfies(p -> {
                assertThat(p.getName()).isEqualTo("https");
                assertThat(p.getPort()).isEqualTo(443);
                assertThat(p.getTargetPort()).isEqualTo(new IntOrString(6443));
            });
            var ep = endpoints.get("default", "kubernetes");
            assertThat(ep.getSubsets()).singleElement().satisfies(s -> {
                assertThat(s.getAddresses()).extracting(a -> a.getIp()).containsExactly("192.168.5.10");
                assertThat(s.getPorts()).extracting(p -> p.getName() + ":" + p.getPort()).containsExactly("https:6443");
            });
            String serviceVersion = service.getMetadata().getResourceVersion();
            String endpointsVersion = ep.getMetadata().getResourceVersion();

            KubernetesService.ensure(services, endpoints, serviceIp, advertise, 6443);
            assertThat(services.get("default", "kubernetes").getMetadata().getResourceVersion()).as("unchanged").isEqualTo(serviceVersion);
            assertThat(endpoints.get("default", "kubernetes").getMetadata().getResourceVersion()).as("unchanged").isEqualTo(endpointsVersion);

            KubernetesService.ensure(services, endpoints, serviceIp, advertise, 7443);
            assertThat(services.get("default", "kubernetes").getSpec().getPorts().getFirst().getTargetPort()).isEqualTo(new IntOrString(7443));
            assertThat(endpoints.get("default", "kubernetes").getSubsets().getFirst().getPorts().getFirst().getPort()).isEqualTo(7443);
        }
    }

    @Test
    void advertisesARoutableBindAddressOrAHostAddressNeverLoopback() throws Exception {
        assertThat(KubernetesService.advertiseAddress("192.168.5.10")).contains(InetAddress.getByName("192.168.5.10"));
        assertThat(KubernetesService.advertiseAddress("127.0.0.1").stream()).noneMatch(InetAddress::isLoopbackAddress);
        assertThat(KubernetesService.advertiseAddress("0.0.0.0").stream()).noneMatch(InetAddress::isAnyLocalAddress);
    }
}
