package dev.skiff.api.cron;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.ZoneId;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;

class CronScheduleTest {
    private static final ZoneId UTC = ZoneId.of("UTC");

    private static ZonedDateTime at(String local) {
        return ZonedDateTime.of(java.time.LocalDateTime.parse(local), UTC);
    }

    private static String next(String spec, String after) {
        ZonedDateTime n = CronSchedule.parse(spec).next(at(after));
        return n == null ? null : n.toLocalDateTime().toString();
    }

    @Test
    void findsTheNextMinuteStrictlyAfterTheGivenTime() {
        assertThat(next("* * * * *", "2025-03-01T10:00")).isEqualTo("2025-03-01T10:01");
        assertThat(next("* * * * *", "2025-03-01T10:00:30")).isEqualTo("2025-03-01T10:01");
        assertThat(next("*/15 * * * *", "2025-03-01T10:16")).isEqualTo("2025-03-01T10:30");
        assertThat(next("5-10/5 9 * * *", "2025-03-01T09:06")).isEqualTo("2025-03-01T09:10");
        assertThat(next("0 0 1 jan *", "2025-03-01T10:00")).isEqualTo("2026-01-01T00:00");
    }

    @Test
    void macrosMeanTheirFiveFieldForms() {
        assertThat(next("@hourly", "2025-03-01T10:00")).isEqualTo("2025-03-01T11:00");
        assertThat(next("@daily", "2025-03-01T10:00")).isEqualTo("2025-03-02T00:00");
        assertThat(next("@weekly", "2025-03-01T10:00")).as("the next Sunday").isEqualTo("2025-03-02T00:00");
        assertThat(next("@monthly", "2025-03-01T10:00")).isEqualTo("2025-04-01T00:00");
        assertThat(next("@yearly", "2025-03-01T10:00")).isEqualTo("2026-01-01T00:00");
        assertThat(next("@every 90s", "2025-03-01T10:00:10")).isEqualTo("2025-03-01T10:01:40");
    }

    @Test
    void dayOfMonthAndDayOfWeekAreOredOnlyWhenNeitherIsAStar() {
        // 2025-03-01 is a Saturday: "on the 15th or any Monday" fires on Monday the 3rd
        assertThat(next("0 0 15 * mon", "2025-03-01T10:00")).isEqualTo("2025-03-03T00:00");
        // with a star day-of-month only Mondays count
        assertThat(next("0 0 * * mon", "2025-03-01T10:00")).isEqualTo("2025-03-03T00:00");
        assertThat(next("0 0 15 * *", "2025-03-01T10:00")).isEqualTo("2025-03-15T00:00");
        assertThat(next("0 0 30 2 *", "2025-03-01T10:00")).as("never").isNull();
    }

    @Test
    void runsInTheZoneOfTheTimeOrOfATzPrefix() {
        ZonedDateTime after = ZonedDateTime.of(2025, 3, 1, 10, 0, 0, 0, UTC);
        assertThat(CronSchedule.parse("0 12 * * *").next(after.withZoneSameInstant(ZoneId.of("Europe/Berlin"))).toInstant())
                .hasToString("2025-03-01T11:00:00Z");
        assertThat(CronSchedule.parse("CRON_TZ=Asia/Tokyo 0 21 * * *").next(after).toInstant()).hasToString("2025-03-01T12:00:00Z");
    }

    @Test
    void reportsTheParsersErrors() {
        assertThat(CronSchedule.error("61 * * * *")).contains("end of range (61) above maximum (59): 61");
        assertThat(CronSchedule.error("* * * * 7")).contains("end of range (7) above maximum (6): 7");
        assertThat(CronSchedule.error("@every 1x")).contains("failed to parse duration @every 1x: time: invalid duration \"1x\"");
        assertThat(CronSchedule.error("*/5 * ? * *")).isEmpty();
        assertThatThrownBy(() -> CronSchedule.parse("TZ=Mars/Base * * * * *"))
                .hasMessage("provided bad location Mars/Base: unknown time zone Mars/Base");
    }
}
