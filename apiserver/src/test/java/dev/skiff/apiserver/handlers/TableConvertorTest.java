package dev.skiff.apiserver.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class TableConvertorTest {
    @Test
    void humanDurationReadsAsKubectlsAge() {
        assertThat(TableConvertor.humanDuration(Duration.ofSeconds(-5))).isEqualTo("<invalid>");
        assertThat(TableConvertor.humanDuration(Duration.ofSeconds(119))).isEqualTo("119s");
        assertThat(TableConvertor.humanDuration(Duration.ofSeconds(125))).isEqualTo("2m5s");
        assertThat(TableConvertor.humanDuration(Duration.ofMinutes(10))).isEqualTo("10m");
        assertThat(TableConvertor.humanDuration(Duration.ofMinutes(190))).isEqualTo("3h10m");
        assertThat(TableConvertor.humanDuration(Duration.ofHours(30))).isEqualTo("30h");
        assertThat(TableConvertor.humanDuration(Duration.ofHours(50))).isEqualTo("2d2h");
        assertThat(TableConvertor.humanDuration(Duration.ofDays(40))).isEqualTo("40d");
        assertThat(TableConvertor.humanDuration(Duration.ofDays(800))).isEqualTo("2y70d");
        assertThat(TableConvertor.humanDuration(Duration.ofDays(365 * 9))).isEqualTo("9y");
    }

    @Test
    void leasesPrintNameHolderAgeAsKubectlGetLeases() {
        Clock clock = Clock.fixed(Instant.parse("2026-01-01T00:02:05Z"), ZoneOffset.UTC);
        var held = new LeaseBuilder().withNewMetadata().withName("skiff-scheduler").withCreationTimestamp("2026-01-01T00:00:00Z")
                .endMetadata().withNewSpec().withHolderIdentity("node-1_x").endSpec().build();
        var free = new LeaseBuilder().withNewMetadata().withName("free").withCreationTimestamp("2026-01-01T00:02:00Z").endMetadata().build();
        var table = TableConvertor.forKind("Lease", clock).table(List.of(held, free), "7", null, null, "None", true);
        assertThat(table.get("columnDefinitions").findValuesAsText("name")).containsExactly("Name", "Holder", "Age");
        assertThat(table.get("rows").get(0).get("cells").toString()).isEqualTo("[\"skiff-scheduler\",\"node-1_x\",\"2m5s\"]");
        assertThat(table.get("rows").get(1).get("cells").toString()).isEqualTo("[\"free\",\"\",\"5s\"]");
    }
}
