package dev.skiff.controller.job;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** A job's status conditions, as upstream's job controller and pkg/controller/job/util read and write them. */
public final class JobConditions {
    public static final String COMPLETE = "Complete";
    public static final String FAILED = "Failed";
    public static final String FAILURE_TARGET = "FailureTarget";
    public static final String SUCCESS_CRITERIA_MET = "SuccessCriteriaMet";
    public static final String SUSPENDED = "Suspended";

    private JobConditions() {
    }

    /** Complete or Failed is True (upstream's IsJobFinished). */
    public static boolean isFinished(Job job) {
        return finishedType(job) != null;
    }

    /** "Complete" or "Failed" when that condition is True, else null. */
    public static String finishedType(Job job) {
        for (String type : List.of(COMPLETE, FAILED)) {
            JobCondition c = find(job, type);
            if (c != null && "True".equals(c.getStatus())) {
                return type;
            }
        }
        return null;
    }

    public static JobCondition find(Job job, String type) {
        if (job.getStatus() == null || job.getStatus().getConditions() == null) {
            return null;
        }
        return job.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
    }

    static String now(Clock clock) {
        return DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
    }

    static JobCondition of(String type, String reason, String message, Clock clock) {
        return of(type, "True", reason, message, clock);
    }

    private static JobCondition of(String type, String status, String reason, String message, Clock clock) {
        String now = now(clock);
        return new JobConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
                .withLastProbeTime(now).withLastTransitionTime(now).build();
    }

    /**
     * Upstream's ensureJobConditionStatus: replaces the condition of that type when status, reason or
     * message differ, or appends it - but never appends a False one. Returns whether anything changed.
     */
    static boolean ensure(Job job, String type, String status, String reason, String message, Clock clock) {
        List<JobCondition> list = job.getStatus().getConditions() == null ? new ArrayList<>() : new ArrayList<>(job.getStatus().getConditions());
        for (int i = 0; i < list.size(); i++) {
            JobCondition c = list.get(i);
            if (type.equals(c.getType())) {
                if (Objects.equals(c.getStatus(), status) && Objects.equals(c.getReason(), reason) && Objects.equals(c.getMessage(), message)) {
                    return false;
                }
                list.set(i, of(type, status, reason, message, clock));
                job.getStatus().setConditions(list);
                return true;
            }
        }
        if ("False".equals(status)) {
            return false;
        }
        list.add(of(type, status, reason, message, clock));
        job.getStatus().setConditions(list);
        return true;
    }

    static void append(Job job, JobCondition condition) {
        List<JobCondition> list = job.getStatus().getConditions() == null ? new ArrayList<>() : new ArrayList<>(job.getStatus().getConditions());
        list.add(condition);
        job.getStatus().setConditions(list);
    }
}
