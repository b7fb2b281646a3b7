package dev.skiff.registry.batch.cronjob;

import dev.skiff.api.cron.CronSchedule;
import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.registry.apps.Workloads;
import dev.skiff.registry.batch.job.JobStrategy;
import dev.skiff.registry.core.pod.PodTemplates;
import dev.skiff.registry.generic.StatusStrategy;
import dev.skiff.registry.generic.Strategy;
import dev.skiff.registry.storage.Resource;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobSpec;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpec;
import io.fabric8.kubernetes.api.model.batch.v1.JobTemplateSpec;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * CronJobs as upstream's pkg/registry/batch/cronjob: batch/v1 defaults (Allow, not suspended,
 * history 3/1), the schedule parsed as a cron expression, TZ rules, the job template validated as
 * a job spec whose selector is generated later, status kept on update.
 */
public final class CronJobStrategy implements Strategy<CronJob> {
    public static final Resource<CronJob> RESOURCE = Resource.of("batch", "cronjobs", "CronJob", true, CronJob.class, CronJob::new);
    private static final Pattern TIME_ZONE_PART = Pattern.compile("^[A-Za-z.\\-_0-9+]{1,14}$");

    @Override
    public boolean namespaced() {
        return true;
    }

    @Override
    public void prepareForCreate(CronJob cj) {
        cj.setStatus(null);
        setDefaults(cj);
    }

    @Override
    public void prepareForUpdate(CronJob cj, CronJob old) {
        cj.setStatus(old.getStatus());
        setDefaults(cj);
    }

    private static void setDefaults(CronJob cj) {
        CronJobSpec spec = Workloads.spec(cj.getSpec(), CronJobSpec::new, cj::setSpec);
        if (spec.getConcurrencyPolicy() == null || spec.getConcurrencyPolicy().isEmpty()) {
            spec.setConcurrencyPolicy("Allow");
        }
        if (spec.getSuspend() == null) {
            spec.setSuspend(false);
        }
        if (spec.getSuccessfulJobsHistoryLimit() == null) {
            spec.setSuccessfulJobsHistoryLimit(3);
        }
        if (spec.getFailedJobsHistoryLimit() == null) {
            spec.setFailedJobsHistoryLimit(1);
        }
        if (spec.getJobTemplate() != null && spec.getJobTemplate().getSpec() != null) {
            PodTemplates.setDefaults(spec.getJobTemplate().getSpec().getTemplate());
        }
    }

    @Override
    public List<Cause> validate(CronJob cj) {
        return validate(cj, false);
    }

    private List<Cause> validate(CronJob cj, boolean allowTzInSchedule) {
        CronJobSpec spec = cj.getSpec() == null ? new CronJobSpec() : cj.getSpec();
        List<Cause> causes = new ArrayList<>();
        String schedule = spec.getSchedule() == null ? "" : spec.getSchedule();
        if (schedule.isEmpty()) {
            causes.add(Cause.required("spec.schedule"));
        } else {
            CronSchedule.error(schedule).ifPresent(e -> causes.add(Cause.invalid("spec.schedule", schedule, e)));
            if (allowTzInSchedule && schedule.contains("TZ") && spec.getTimeZone() != null) {
                causes.add(Cause.invalid("spec.schedule", schedule, "cannot use both timeZone field and TZ or CRON_TZ in schedule"));
            } else if (!allowTzInSchedule && schedule.contains("TZ")) {
                causes.add(Cause.invalid("spec.schedule", schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"));
            }
        }
        causes.addAll(timeZone(spec.getTimeZone()));
        String policy = spec.getConcurrencyPolicy() == null ? "" : spec.getConcurrencyPolicy();
        if (policy.isEmpty()) {
            causes.add(Cause.required("spec.concurrencyPolicy"));
        } else if (!List.of("Allow", "Forbid", "Replace").contains(policy)) {
            causes.add(Cause.notSupported("spec.concurrencyPolicy", policy, List.of("Allow", "Forbid", "Replace")));
        }
        causes.addAll(Workloads.nonNegative(spec.getStartingDeadlineSeconds(), "spec.startingDeadlineSeconds"));
        causes.addAll(Workloads.nonNegative(spec.getSuccessfulJobsHistoryLimit(), "spec.successfulJobsHistoryLimit"));
        causes.addAll(Workloads.nonNegative(spec.getFailedJobsHistoryLimit(), "spec.failedJobsHistoryLimit"));
        JobTemplateSpec template = spec.getJobTemplate() == null ? new JobTemplateSpec() : spec.getJobTemplate();
        JobSpec jobSpec = template.getSpec() == null ? new JobSpec() : template.getSpec();
        causes.addAll(JobStrategy.validateSpecForTemplate(jobSpec, "spec.jobTemplate.spec"));
        if (jobSpec.getSelector() != null) {
            causes.add(new Cause("FieldValueInvalid", "spec.jobTemplate.spec.selector", "Invalid value: "
                    + PodTemplates.goSelector(jobSpec.getSelector()) + ": `selector` will be auto-generated"));
        }
        if (Boolean.TRUE.equals(jobSpec.getManualSelector())) {
            causes.add(Cause.notSupported("spec.jobTemplate.spec.manualSelector", true, List.of("nil", "false")));
        }
        return causes;
    }

    /** Upstream's validateTimeZone: IANA naming rules, not "Local", and a zone the runtime knows. */
    static List<Cause> timeZone(String zone) {
        if (zone == null) {
            return List.of();
        }
        if (zone.isEmpty()) {
            return List.of(Cause.invalid("spec.timeZone", zone, "timeZone must be nil or non-empty string"));
        }
        for (String part : zone.split("/", -1)) {
            if (part.equals(".") || part.equals("..") || part.startsWith("-") || !TIME_ZONE_PART.matcher(part).matches()) {
                return List.of(Cause.invalid("spec.timeZone", zone, "unknown time zone " + zone));
            }
        }
        List<Cause> causes = new ArrayList<>();
        if (zone.equalsIgnoreCase("Local")) {
            causes.add(Cause.invalid("spec.timeZone", zone, "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"));
            return causes;
        }
        try {
            ZoneId.of(zone);
        } catch (DateTimeException e) {
            causes.add(Cause.invalid("spec.timeZone", zone, "unknown time zone " + zone));
        }
        return causes;
    }

    @Override
    public List<Cause> validateUpdate(CronJob cj, CronJob old) {
        // a schedule that already carried TZ (accepted by an older server) may stay
        String oldSchedule = old.getSpec() == null ? null : old.getSpec().getSchedule();
        boolean allowTz = oldSchedule != null && oldSchedule.contains("TZ") && cj.getSpec() != null
                && Objects.equals(oldSchedule, cj.getSpec().getSchedule());
        return validate(cj, allowTz);
    }

    @Override
    public boolean tracksGeneration() {
        return true;
    }

    @Override
    public Object spec(CronJob cj) {
        return cj.getSpec();
    }

    @Override
    public Map<String, Strategy<CronJob>> subresourceStrategies() {
        return Map.of("status", new StatusStrategy<>(this, (cj, old) -> cj.setSpec(old.getSpec())));
    }
}
