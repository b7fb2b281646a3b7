package dev.skiff.registry.batch.cronjob;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.api.errors.ApiException.Cause;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CronJobStrategyTest {
    private final CronJobStrategy strategy = new CronJobStrategy();

    static CronJob cronJob(String schedule) {
        return new CronJobBuilder().withNewMetadata().withName("cj").withNamespace("default").endMetadata().withNewSpec()
                .withSchedule(schedule).withNewJobTemplate().withNewSpec().withNewTemplate().withNewSpec().withRestartPolicy("OnFailure")
                .addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().endTemplate().endSpec().endJobTemplate()
                .endSpec().build();
    }

    private CronJob created(String schedule) {
        CronJob cj = cronJob(schedule);
        strategy.prepareForCreate(cj);
        return cj;
    }

    @Test
    void defaultsAsUpstream() {
        CronJob cj = created("@hourly");
        assertThat(cj.getSpec().getConcurrencyPolicy()).isEqualTo("Allow");
        assertThat(cj.getSpec().getSuspend()).isFalse();
        assertThat(cj.getSpec().getSuccessfulJobsHistoryLimit()).isEqualTo(3);
        assertThat(cj.getSpec().getFailedJobsHistoryLimit()).isEqualTo(1);
        assertThat(strategy.validate(cj)).isEmpty();
    }

    @Test
    void acceptsStandardSchedulesAndDescriptors() {
        for (String ok : new String[] {"*/5 * * * *", "0 3 * * mon-fri", "15,45 1-5/2 1 jan,JUL ?", "@daily", "@every 1h30m",
                "0 0 1 */3 sun", "59 23 31 12 6"}) {
            assertThat(strategy.validate(created(ok))).as(ok).isEmpty();
        }
    }

    @Test
    void reportsTheCronParsersErrors() {
        Map<String, String> errors = Map.of(
                "61 * * * *", "spec.schedule: Invalid value: \"61 * * * *\": end of range (61) above maximum (59): 61",
                "* * *", "spec.schedule: Invalid value: \"* * *\": expected exactly 5 fields, found 3: [* * *]",
                "@fortnightly", "spec.schedule: Invalid value: \"@fortnightly\": unrecognized descriptor: @fortnightly",
                "a * * * *", "spec.schedule: Invalid value: \"a * * * *\": failed to parse int from a: strconv.Atoi: parsing \"a\": invalid syntax",
                "*/0 * * * *", "spec.schedule: Invalid value: \"*/0 * * * *\": step of range should be a positive number: */0",
                "5-1 * * * *", "spec.schedule: Invalid value: \"5-1 * * * *\": beginning of range (5) beyond end of range (1): 5-1",
                "* * 0 * *", "spec.schedule: Invalid value: \"* * 0 * *\": beginning of range (0) below minimum (1): 0");
        errors.forEach((schedule, message) -> assertThat(strategy.validate(created(schedule)))
                .extracting(c -> c.field() + ": " + c.message()).as(schedule).containsExactly(message));
    }

    @Test
    void timeZonesBelongInTheTimeZoneField() {
        assertThat(strategy.validate(created("CRON_TZ=UTC * * * * *"))).extracting(Cause::message)
                .containsExactly("Invalid value: \"CRON_TZ=UTC * * * * *\": cannot use TZ or CRON_TZ in schedule, use timeZone field instead");
        CronJob zoned = created("0 3 * * *");
        zoned.getSpec().setTimeZone("Europe/Paris");
        assertThat(strategy.validate(zoned)).isEmpty();
        zoned.getSpec().setTimeZone("Europe/Pariss");
        assertThat(strategy.validate(zoned)).extracting(Cause::message)
                .containsExactly("Invalid value: \"Europe/Pariss\": unknown time zone Europe/Pariss");
        zoned.getSpec().setTimeZone("Local");
        assertThat(strategy.validate(zoned)).extracting(Cause::message).containsExactly(
                "Invalid value: \"Local\": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones");
        // an old object that already had TZ in its schedule may keep it, but not add a timeZone too
        CronJob old = created("TZ=UTC * * * * *");
        CronJob same = created("TZ=UTC * * * * *");
        assertThat(strategy.validateUpdate(same, old)).isEmpty();
        same.getSpec().setTimeZone("UTC");
        assertThat(strategy.validateUpdate(same, old)).extracting(Cause::message)
                .containsExactly("Invalid value: \"TZ=UTC * * * * *\": cannot use both timeZone field and TZ or CRON_TZ in schedule");
    }

    @Test
    void jobTemplateRules() {
        CronJob cj = created("@hourly");
        cj.getSpec().getJobTemplate().getSpec().getTemplate().getSpec().setRestartPolicy("Always");
        cj.getSpec().getJobTemplate().getSpec().setSelector(new LabelSelectorBuilder().withMatchLabels(Map.of("a", "b")).build());
        cj.getSpec().setConcurrencyPolicy("Sometimes");
        assertThat(strategy.validate(cj)).extracting(Cause::field).containsExactlyInAnyOrder("spec.concurrencyPolicy",
                "spec.jobTemplate.spec.template.spec.restartPolicy", "spec.jobTemplate.spec.selector");
        cj.getSpec().setSchedule(null);
        assertThat(strategy.validate(cj)).extracting(c -> c.field() + ": " + c.message()).contains("spec.schedule: Required value");
    }
}
