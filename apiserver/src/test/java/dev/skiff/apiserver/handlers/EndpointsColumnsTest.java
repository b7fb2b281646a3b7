package dev.skiff.apiserver.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.EndpointAddressBuilder;
import io.fabric8.kubernetes.api.model.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.EndpointSubsetBuilder;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** ENDPOINTS as upstream's formatEndpoints prints it. */
class EndpointsColumnsTest {

    private static EndpointsBuilder endpoints() {
        return new EndpointsBuilder().withNewMetadata().withName("kubernetes").withCreationTimestamp("2026-01-01T00:00:00Z").endMetadata();
    }

    @Test
    void formatsAddressPortPairsUpToThreeThenCountsTheRest() {
        assertThat(EndpointsColumns.format(endpoints().build())).isEqualTo("<none>");
        var one = endpoints().withSubsets(new EndpointSubsetBuilder().withAddresses(new EndpointAddressBuilder().withIp("10.0.0.1").build())
                .withPorts(new EndpointPortBuilder().withPort(443).build()).build()).build();
        assertThat(EndpointsColumns.format(one)).isEqualTo("10.0.0.1:443");
        var many = endpoints().withSubsets(new EndpointSubsetBuilder().withAddresses(
                        new EndpointAddressBuilder().withIp("10.0.0.1").build(), new EndpointAddressBuilder().withIp("10.0.0.2").build(),
                        new EndpointAddressBuilder().withIp("fd00::3").build())
                .withPorts(new EndpointPortBuilder().withName("a").withPort(80).build(), new EndpointPortBuilder().withName("b").withPort(81).build())
                .build()).build();
        assertThat(EndpointsColumns.format(many)).isEqualTo("10.0.0.1:80,10.0.0.2:80,[fd00::3]:80 + 3 more...");
        var headless = endpoints().withSubsets(new EndpointSubsetBuilder().withAddresses(new EndpointAddressBuilder().withIp("10.0.0.9").build())
                .build()).build();
        assertThat(EndpointsColumns.format(headless)).isEqualTo("10.0.0.9");

        var table = TableConvertor.forKind("Endpoints", Clock.fixed(Instant.parse("2026-01-01T00:00:30Z"), ZoneOffset.UTC))
                .table(List.of(one), "1", null, null, "None", true);
        assertThat(table.get("columnDefinitions").findValuesAsText("name")).containsExactly("Name", "Endpoints", "Age");
        assertThat(table.get("rows").get(0).get("cells").toString()).isEqualTo("[\"kubernetes\",\"10.0.0.1:443\",\"30s\"]");
    }
}
