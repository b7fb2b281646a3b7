package dev.skiff.registry.core.endpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.api.errors.ApiException;
import dev.skiff.registry.generic.GenericRegistry;
import dev.skiff.store.embedded.EmbeddedStore;
import dev.skiff.store.embedded.EmbeddedStoreConfig;
import io.fabric8.kubernetes.api.model.EndpointAddressBuilder;
import io.fabric8.kubernetes.api.model.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.EndpointSubsetBuilder;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import java.nio.file.Path;
import java.time.Clock;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EndpointsStrategyTest {
    final EndpointsStrategy strategy = new EndpointsStrategy();

    static Endpoints endpoints(String ip, int... ports) {
        var subset = new EndpointSubsetBuilder().withAddresses(new EndpointAddressBuilder().withIp(ip).build());
        for (int port : ports) {
            subset.addToPorts(new EndpointPortBuilder().withPort(port).build());
        }
        return new EndpointsBuilder().withNewMetadata().withName("web").withNamespace("ns").endMetadata().withSubsets(subset.build()).build();
    }

    private java.util.List<String> errors(Endpoints endpoints) {
        strategy.prepareForCreate(endpoints);
        return strategy.validate(endpoints).stream().map(c -> c.field() + ": " + c.message()).toList();
    }

    @Test
    void defaultsProtocolAndAcceptsAValidSubset() {
        Endpoints ok = endpoints("10.0.0.1", 443);
        assertThat(errors(ok)).isEmpty();
        assertThat(ok.getSubsets().getFirst().getPorts().getFirst().getProtocol()).isEqualTo("TCP");
    }

    @Test
    void rejectsBadAddressesAndPortsWithUpstreamMessages() {
        assertThat(errors(endpoints("10.0.0", 80))).containsExactly(
                "subsets[0].addresses[0].ip: Invalid value: \"10.0.0\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)");
        assertThat(errors(endpoints("127.0.0.1", 80))).containsExactly(
                "subsets[0].addresses[0].ip: Invalid value: \"127.0.0.1\": may not be in the loopback range (127.0.0.0/8, ::1/128)");
        assertThat(errors(endpoints("10.0.0.1", 0))).containsExactly(
                "subsets[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive");
        assertThat(errors(endpoints("10.0.0.1", 80, 81))).containsExactly(
                "subsets[0].ports[0].name: Required value", "subsets[0].ports[1].name: Required value");
        Endpoints empty = new EndpointsBuilder().withNewMetadata().withName("web").endMetadata()
                .withSubsets(new EndpointSubsetBuilder().withPorts(new EndpointPortBuilder().withPort(80).build()).build()).build();
        assertThat(errors(empty)).containsExactly("subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`");
        Endpoints udpx = endpoints("10.0.0.1", 80);
        udpx.getSubsets().getFirst().getPorts().getFirst().setProtocol("UDPX");
        assertThat(errors(udpx)).containsExactly(
                "subsets[0].ports[0].protocol: Unsupported value: \"UDPX\": supported values: \"SCTP\", \"TCP\", \"UDP\"");
    }

    @Test
    void invalidEndpointsAreNotStored(@TempDir Path dir) {
        try (var store = EmbeddedStore.open(EmbeddedStoreConfig.defaults(dir))) {
            var registry = new GenericRegistry<>(store, EndpointsStrategy.RESOURCE, strategy, Clock.systemUTC(), new SplittableRandom(7));
            assertThatThrownBy(() -> registry.create("ns", endpoints("10.0.0.300", 80), false))
                    .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(422));
            assertThatThrownBy(() -> registry.get("ns", "web")).isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(404));
            Endpoints stored = registry.create("ns", endpoints("10.0.0.1", 443), false);
            assertThat(registry.get("ns", "web").getSubsets()).isEqualTo(stored.getSubsets());
        }
    }
}
