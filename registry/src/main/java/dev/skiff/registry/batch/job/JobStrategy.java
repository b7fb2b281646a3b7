package dev.skiff.registry.batch.job;

import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.registry.apps.Workloads;
import dev.skiff.registry.core.pod.PodTemplates;
import dev.skiff.registry.generic.StatusStrategy;
import dev.skiff.registry.generic.Strategy;
import dev.skiff.registry.storage.Resource;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Jobs as upstream's pkg/registry/batch/job: batch/v1 defaults, the generated selector and pod
 * labels (controller-uid / job-name, legacy and batch.kubernetes.io/ spellings) unless
 * manualSelector is set, ValidateJob(Update), status kept on update.
 */
public final class JobStrategy implements Strategy<Job> {
    public static final Resource<Job> RESOURCE = Resource.of("batch", "jobs", "Job", true, Job.class, Job::new);
    public static final String CONTROLLER_UID = "batch.kubernetes.io/controller-uid";
    public static final String JOB_NAME = "batch.kubernetes.io/job-name";
    static final String LEGACY_CONTROLLER_UID = "controller-uid";
    static final String LEGACY_JOB_NAME = "job-name";
    /** A job's pods may only be restarted in place or not at all. */
    public static final List<String> RESTART_POLICIES = List.of("OnFailure", "Never");

    @Override
    public boolean namespaced() {
        return true;
    }

    @Override
    public void prepareForCreate(Job job) {
        job.setStatus(null);
        setDefaults(job);
    }

    @Override
    public void prepareForUpdate(Job job, Job old) {
        job.setStatus(old.getStatus());
        setDefaults(job);
    }

    /** batch/v1 SetDefaults_Job (the parts of a spec alone; the JobTemplate of a CronJob gets them too). */
    static void setDefaults(Job job) {
        JobSpec spec = Workloads.spec(job.getSpec(), JobSpec::new, job::setSpec);
        setSpecDefaults(spec);
    }

    static void setSpecDefaults(JobSpec spec) {
        if (spec.getCompletions() == null && spec.getParallelism() == null) {
            spec.setCompletions(1);
            spec.setParallelism(1);
        }
        if (spec.getParallelism() == null) {
            spec.setParallelism(1);
        }
        if (spec.getBackoffLimit() == null) {
            spec.setBackoffLimit(spec.getBackoffLimitPerIndex() != null ? Integer.MAX_VALUE : 6);
        }
        if (spec.getCompletionMode() == null || spec.getCompletionMode().isEmpty()) {
            spec.setCompletionMode("NonIndexed");
        }
        if (spec.getSuspend() == null) {
            spec.setSuspend(false);
        }
        if (spec.getPodReplacementPolicy() == null || spec.getPodReplacementPolicy().isEmpty()) {
            spec.setPodReplacementPolicy(spec.getPodFailurePolicy() != null ? "Failed" : "TerminatingOrFailed");
        }
        PodTemplates.setDefaults(spec.getTemplate());
    }

    /**
     * Upstream generates the selector while validating, because only then is the uid known; a
     * client-given selector without manualSelector is refused there.
     */
    @Override
    public List<Cause> validate(Job job) {
        JobSpec spec = job.getSpec() == null ? new JobSpec() : job.getSpec();
        List<Cause> causes = new ArrayList<>();
        boolean manual = Boolean.TRUE.equals(spec.getManualSelector());
        if (!manual) {
            if (spec.getSelector() != null && !spec.getSelector().equals(generatedSelector(job))) {
                causes.add(new Cause("FieldValueInvalid", "spec.selector", "Invalid value: "
                        + PodTemplates.goSelector(spec.getSelector()) + ": `selector` not auto-generated"));
            } else {
                generateSelector(job);
            }
        }
        if (job.getMetadata().getLabels() == null || job.getMetadata().getLabels().isEmpty()) {
            // upstream copies the template's labels when the job has none (defaulting on read)
            Map<String, String> templateLabels = spec.getTemplate() == null || spec.getTemplate().getMetadata() == null
                    ? null : spec.getTemplate().getMetadata().getLabels();
            if (templateLabels != null && !templateLabels.isEmpty()) {
                job.getMetadata().setLabels(new LinkedHashMap<>(templateLabels));
            }
        }
        causes.addAll(validateSpec(spec, "spec", true));
        return causes;
    }

    /** validateJobSpec: counts, completion mode, selector (checked against the template) and the template. */
    static List<Cause> validateSpec(JobSpec spec, String path, boolean checkSelector) {
        List<Cause> causes = new ArrayList<>();
        causes.addAll(Workloads.nonNegative(spec.getParallelism(), path + ".parallelism"));
        causes.addAll(Workloads.nonNegative(spec.getCompletions(), path + ".completions"));
        causes.addAll(Workloads.nonNegative(spec.getActiveDeadlineSeconds(), path + ".activeDeadlineSeconds"));
        causes.addAll(Workloads.nonNegative(spec.getBackoffLimit(), path + ".backoffLimit"));
        causes.addAll(Workloads.nonNegative(spec.getTtlSecondsAfterFinished(), path + ".ttlSecondsAfterFinished"));
        String mode = spec.getCompletionMode() == null ? "NonIndexed" : spec.getCompletionMode();
        if (!List.of("NonIndexed", "Indexed").contains(mode)) {
            causes.add(Cause.notSupported(path + ".completionMode", mode, List.of("NonIndexed", "Indexed")));
        } else if (mode.equals("Indexed") && spec.getCompletions() == null) {
            causes.add(Cause.required(path + ".completions", "when completion mode is Indexed"));
        }
        if (spec.getPodReplacementPolicy() != null
                && !List.of("TerminatingOrFailed", "Failed").contains(spec.getPodReplacementPolicy())) {
            causes.add(Cause.notSupported(path + ".podReplacementPolicy", spec.getPodReplacementPolicy(),
                    List.of("Failed", "TerminatingOrFailed")));
        }
        if (checkSelector) {
            causes.addAll(PodTemplates.validateSelector(spec.getSelector(), spec.getTemplate(), path, null));
        }
        causes.addAll(PodTemplates.validate(spec.getTemplate(), path + ".template", RESTART_POLICIES));
        return causes;
    }

    /** A CronJob's job template: the job spec rules, without a selector (generated when the job is made). */
    public static List<Cause> validateSpecForTemplate(JobSpec spec, String path) {
        return validateSpec(spec, path, false);
    }

    private static LabelSelector generatedSelector(Job job) {
        LabelSelector selector = new LabelSelector();
        selector.setMatchLabels(new LinkedHashMap<>(Map.of(CONTROLLER_UID, String.valueOf(job.getMetadata().getUid()))));
        return selector;
    }

    /** Labels the template with the job's uid and name, and selects on the uid (upstream's generateSelector). */
    private static void generateSelector(Job job) {
        JobSpec spec = job.getSpec();
        ObjectMeta meta = job.getMetadata();
        if (spec.getTemplate() == null) {
            spec.setTemplate(new PodTemplateSpec());
        }
        if (spec.getTemplate().getMetadata() == null) {
            spec.getTemplate().setMetadata(new ObjectMeta());
        }
        Map<String, String> labels = spec.getTemplate().getMetadata().getLabels() == null ? new LinkedHashMap<>()
                : new LinkedHashMap<>(spec.getTemplate().getMetadata().getLabels());
        labels.putIfAbsent(LEGACY_CONTROLLER_UID, meta.getUid());
        labels.putIfAbsent(LEGACY_JOB_NAME, meta.getName());
        labels.putIfAbsent(CONTROLLER_UID, meta.getUid());
        labels.putIfAbsent(JOB_NAME, meta.getName());
        spec.getTemplate().getMetadata().setLabels(labels);
        if (spec.getSelector() == null) {
            spec.setSelector(generatedSelector(job));
        }
    }

    @Override
    public List<Cause> validateUpdate(Job job, Job old) {
        JobSpec spec = job.getSpec() == null ? new JobSpec() : job.getSpec();
        JobSpec oldSpec = old.getSpec();
        List<Cause> causes = new ArrayList<>(validateSpec(spec, "spec", true));
        causes.addAll(Workloads.immutableSelector(spec.getSelector(), oldSpec.getSelector(), "spec.selector"));
        if (!Objects.equals(spec.getCompletionMode(), oldSpec.getCompletionMode())) {
            causes.add(Cause.invalid("spec.completionMode", spec.getCompletionMode(), "field is immutable"));
        }
        if (!Objects.equals(spec.getCompletions(), oldSpec.getCompletions())
                && (!"Indexed".equals(spec.getCompletionMode()) || spec.getCompletions() == null)) {
            causes.add(Cause.invalid("spec.completions", spec.getCompletions() == null ? "null" : spec.getCompletions(), "field is immutable"));
        }
        if (!Objects.equals(spec.getTemplate(), oldSpec.getTemplate()) && !Boolean.TRUE.equals(oldSpec.getSuspend())) {
            causes.add(new Cause("FieldValueInvalid", "spec.template", "Invalid value: core.PodTemplateSpec{...}: field is immutable"));
        }
        return causes;
    }

    @Override
    public boolean tracksGeneration() {
        return true;
    }

    @Override
    public Object spec(Job job) {
        return job.getSpec();
    }

    @Override
    public Map<String, Strategy<Job>> subresourceStrategies() {
        return Map.of("status", new StatusStrategy<>(this, (job, old) -> job.setSpec(old.getSpec())));
    }
}
