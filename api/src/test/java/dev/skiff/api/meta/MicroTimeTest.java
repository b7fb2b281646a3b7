package dev.skiff.api.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;

class MicroTimeTest {
    final ObjectMapper mapper = new ObjectMapper().registerModule(MicroTime.MODULE);

    @Test
    void writesUtcWithSixFractionalDigitsAndReadsAnyRfc3339() throws Exception {
        Lease lease = new LeaseBuilder().withNewSpec().withRenewTime(ZonedDateTime.parse("2026-01-01T02:00:00.5+02:00"))
                .withAcquireTime(ZonedDateTime.parse("2026-01-01T00:00:00.123456789Z")).endSpec().build();
        String json = mapper.writeValueAsString(lease);
        assertThat(json).contains("\"renewTime\":\"2026-01-01T00:00:00.500000Z\"")
                .contains("\"acquireTime\":\"2026-01-01T00:00:00.123456Z\"");
        Lease read = mapper.readValue("{\"spec\":{\"renewTime\":\"2026-01-01T00:00:01Z\",\"acquireTime\":\"\"}}", Lease.class);
        assertThat(read.getSpec().getRenewTime().toInstant()).isEqualTo(ZonedDateTime.parse("2026-01-01T00:00:01Z").toInstant());
        assertThat(read.getSpec().getAcquireTime()).isNull();
        assertThatThrownBy(() -> mapper.readValue("{\"spec\":{\"renewTime\":\"yesterday\"}}", Lease.class))
                .isInstanceOf(InvalidFormatException.class);
    }
}
