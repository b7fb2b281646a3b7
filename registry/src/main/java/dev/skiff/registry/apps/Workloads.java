package dev.skiff.registry.apps;

import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.registry.core.pod.PodTemplates;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/** The field rules apps/v1 workloads share (upstream's pkg/apis/apps/validation helpers). */
public final class Workloads {
    /** The only restart policy a replicated workload's template may have. */
    public static final List<String> ALWAYS = List.of("Always");
    private static final Pattern PERCENT = Pattern.compile("[0-9]+%");

    private Workloads() {
    }

    /** The spec, created and set when absent, so defaulting has something to fill. */
    public static <S> S spec(S spec, Supplier<S> create, Consumer<S> set) {
        if (spec != null) {
            return spec;
        }
        S created = create.get();
        set.accept(created);
        return created;
    }

    public static List<Cause> replicas(Integer replicas, String path) {
        return nonNegative(replicas, path);
    }

    /** ValidateNonnegativeField. */
    public static List<Cause> nonNegative(Number value, String path) {
        if (value != null && value.longValue() < 0) {
            return List.of(Cause.invalid(path, value, "must be greater than or equal to 0"));
        }
        return List.of();
    }

    public static List<Cause> immutableSelector(LabelSelector selector, LabelSelector old, String path) {
        if (!Objects.equals(selector, old)) {
            return List.of(new Cause("FieldValueInvalid", path, "Invalid value: "
                    + (selector == null ? "null" : PodTemplates.goSelector(selector)) + ": field is immutable"));
        }
        return List.of();
    }

    /** maxUnavailable / maxSurge: non-negative ints or percents (at most 100% for maxUnavailable), not both zero. */
    public static List<Cause> rollingUpdate(IntOrString maxUnavailable, IntOrString maxSurge, String path) {
        List<Cause> causes = new ArrayList<>();
        causes.addAll(intOrPercent(maxUnavailable, path + ".maxUnavailable"));
        causes.addAll(intOrPercent(maxSurge, path + ".maxSurge"));
        if (isZero(maxUnavailable) && isZero(maxSurge)) {
            causes.add(Cause.invalid(path + ".maxUnavailable", render(maxUnavailable), "may not be 0 when `maxSurge` is 0"));
        }
        if (maxUnavailable != null && maxUnavailable.getStrVal() != null && PERCENT.matcher(maxUnavailable.getStrVal()).matches()
                && Integer.parseInt(maxUnavailable.getStrVal().replace("%", "")) > 100) {
            causes.add(Cause.invalid(path + ".maxUnavailable", maxUnavailable.getStrVal(), "must not be greater than 100%"));
        }
        return causes;
    }

    private static List<Cause> intOrPercent(IntOrString value, String path) {
        if (value == null) {
            return List.of();
        }
        if (value.getStrVal() != null) {
            if (!PERCENT.matcher(value.getStrVal()).matches()) {
                return List.of(Cause.invalid(path, value.getStrVal(), "a valid percent string must be a numeric string followed by an "
                        + "ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"));
            }
            return List.of();
        }
        return nonNegative(value.getIntVal(), path);
    }

    private static boolean isZero(IntOrString value) {
        if (value == null) {
            return true;
        }
        if (value.getStrVal() != null) {
            return value.getStrVal().equals("0%");
        }
        return value.getIntVal() == null || value.getIntVal() == 0;
    }

    private static Object render(IntOrString value) {
        return value == null ? 0 : value.getStrVal() != null ? value.getStrVal() : value.getIntVal();
    }
}
