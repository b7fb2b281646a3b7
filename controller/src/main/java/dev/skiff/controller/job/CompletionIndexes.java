package dev.skiff.controller.job;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Indexed completion mode (upstream's indexed_job_utils.go): each pod carries its completion index
 * in an annotation and a label, its hostname is {@code <job>-<index>}, and
 * {@code status.completedIndexes} lists the succeeded indexes as intervals ("0-2,5").
 */
final class CompletionIndexes {
    static final String ANNOTATION = "batch.kubernetes.io/job-completion-index";
    static final String LABEL = ANNOTATION;
    static final String ENV = "JOB_COMPLETION_INDEX";
    static final int UNKNOWN = -1;

    private CompletionIndexes() {
    }

    /** The pod's completion index, or {@link #UNKNOWN} if the annotation is missing or not a number. */
    static int of(Pod pod) {
        Map<String, String> annotations = pod.getMetadata().getAnnotations();
        String value = annotations == null ? null : annotations.get(ANNOTATION);
        if (value == null) {
            return UNKNOWN;
        }
        try {
            int i = Integer.parseInt(value);
            return i < 0 ? UNKNOWN : i;
        } catch (NumberFormatException e) {
            return UNKNOWN;
        }
    }

    /** The indexes in {@code intervals} ("1,3-5") below {@code completions}; malformed parts are skipped. */
    static SortedSet<Integer> parse(String intervals, int completions) {
        SortedSet<Integer> out = new TreeSet<>();
        if (intervals == null || intervals.isEmpty()) {
            return out;
        }
        for (String part : intervals.split(",")) {
            String[] bounds = part.split("-", 2);
            try {
                int low = Integer.parseInt(bounds[0].trim());
                int high = bounds.length == 2 ? Integer.parseInt(bounds[1].trim()) : low;
                for (int i = low; i <= high && i < completions; i++) {
                    out.add(i);
                }
            } catch (NumberFormatException e) {
                // upstream skips what it cannot read
            }
        }
        return out;
    }

    static String format(SortedSet<Integer> indexes) {
        List<String> parts = new ArrayList<>();
        Integer start = null;
        Integer prev = null;
        for (int i : indexes) {
            if (prev != null && i == prev + 1) {
                prev = i;
                continue;
            }
            if (start != null) {
                parts.add(start.equals(prev) ? String.valueOf(start) : start + "-" + prev);
            }
            start = i;
            prev = i;
        }
        if (start != null) {
            parts.add(start.equals(prev) ? String.valueOf(start) : start + "-" + prev);
        }
        return String.join(",", parts);
    }

    /** The lowest {@code count} indexes below {@code completions} that neither succeeded nor have a pod. */
    static List<Integer> firstPending(Set<Integer> succeeded, Set<Integer> held, int count, int completions) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < completions && out.size() < count; i++) {
            if (!succeeded.contains(i) && !held.contains(i)) {
                out.add(i);
            }
        }
        return out;
    }

    /** Upstream's addCompletionIndexEnvVariables: every container learns its index from the annotation. */
    static void addEnv(PodTemplateSpec template) {
        var spec = template.getSpec();
        Stream.concat(spec.getInitContainers() == null ? Stream.empty() : spec.getInitContainers().stream(),
                spec.getContainers() == null ? Stream.empty() : spec.getContainers().stream()).forEach(CompletionIndexes::addEnv);
    }

    private static void addEnv(Container c) {
        if (c.getEnv() != null && c.getEnv().stream().anyMatch(e -> ENV.equals(e.getName()))) {
            return;
        }
        var env = c.getEnv() == null ? new ArrayList<io.fabric8.kubernetes.api.model.EnvVar>() : new ArrayList<>(c.getEnv());
        env.add(new EnvVarBuilder().withName(ENV).withNewValueFrom().withNewFieldRef()
                .withFieldPath("metadata.annotations['" + ANNOTATION + "']").endFieldRef().endValueFrom().build());
        c.setEnv(env);
    }
}
