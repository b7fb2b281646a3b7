package dev.skiff.apiserver.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
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
}
