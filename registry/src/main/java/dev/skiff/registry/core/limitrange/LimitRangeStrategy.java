package dev.skiff.registry.core.limitrange;

import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.api.quantity.Quantities;
import dev.skiff.api.validation.NameFormats;
import dev.skiff.registry.core.resourcequota.ResourceNames;
import dev.skiff.registry.generic.Strategy;
import dev.skiff.registry.storage.Resource;
import io.fabric8.kubernetes.api.model.LimitRange;
import io.fabric8.kubernetes.api.model.LimitRangeItem;
import io.fabric8.kubernetes.api.model.LimitRangeSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * LimitRanges as upstream's pkg/registry/core/limitrange strategy, SetDefaults_LimitRangeItem
 * and ValidateLimitRange: a Container item's default limit falls back to its max and its default
 * request to the default limit, then to the min; types are Pod, Container, PersistentVolumeClaim
 * (or fully qualified) and unique; for every resource min <= defaultRequest <= default <= max and
 * maxLimitRequestRatio >= 1 and <= max/min. No status, no generation.
 */
public final class LimitRangeStrategy implements Strategy<LimitRange> {
    public static final Resource<LimitRange> RESOURCE =
            Resource.of("", "limitranges", "LimitRange", true, LimitRange.class, LimitRange::new);
    private static final Set<String> TYPES = Set.of("Pod", "Container", "PersistentVolumeClaim");

    @Override
    public boolean namespaced() {
        return true;
    }

    @Override
    public void prepareForCreate(LimitRange limitRange) {
        setDefaults(limitRange);
    }

    @Override
    public void prepareForUpdate(LimitRange limitRange, LimitRange old) {
        setDefaults(limitRange);
    }

    private static void setDefaults(LimitRange limitRange) {
        if (limitRange.getSpec() == null) {
            limitRange.setSpec(new LimitRangeSpec());
        }
        for (LimitRangeItem item : items(limitRange)) {
            if (!"Container".equals(item.getType())) {
                continue;
            }
            Map<String, Quantity> defaults = new LinkedHashMap<>(orEmpty(item.getDefault()));
            Map<String, Quantity> requests = new LinkedHashMap<>(orEmpty(item.getDefaultRequest()));
            orEmpty(item.getMax()).forEach(defaults::putIfAbsent);
            defaults.forEach(requests::putIfAbsent);
            orEmpty(item.getMin()).forEach(requests::putIfAbsent);
            item.setDefault(defaults.isEmpty() ? item.getDefault() : defaults);
            item.setDefaultRequest(requests.isEmpty() ? item.getDefaultRequest() : requests);
        }
    }

    @Override
    public List<Cause> validate(LimitRange limitRange) {
        List<Cause> causes = new ArrayList<>();
        Set<String> types = new HashSet<>();
        List<LimitRangeItem> items = items(limitRange);
        for (int i = 0; i < items.size(); i++) {
            causes.addAll(validateItem(items.get(i), "spec.limits[" + i + "]", types));
        }
        return causes;
    }

    private static List<Cause> validateItem(LimitRangeItem item, String path, Set<String> types) {
        List<Cause> causes = new ArrayList<>();
        String type = item.getType() == null ? "" : item.getType();
        causes.addAll(validateType(type, path + ".type"));
        if (!types.add(type)) {
            causes.add(Cause.duplicate(path + ".type", type));
        }
        Set<String> keys = new TreeSet<>();
        Map<String, Quantity> max = checked(item.getMax(), type, path + ".max", keys, causes);
        Map<String, Quantity> min = checked(item.getMin(), type, path + ".min", keys, causes);
        Map<String, Quantity> defaults = Map.of();
        Map<String, Quantity> requests = Map.of();
        if (type.equals("Pod")) {
            if (!orEmpty(item.getDefault()).isEmpty()) {
                causes.add(Cause.forbidden(path + ".default", "may not be specified when `type` is 'Pod'"));
            }
            if (!orEmpty(item.getDefaultRequest()).isEmpty()) {
                causes.add(Cause.forbidden(path + ".defaultRequest", "may not be specified when `type` is 'Pod'"));
            }
        } else {
            defaults = checked(item.getDefault(), type, path + ".default", keys, causes);
            requests = checked(item.getDefaultRequest(), type, path + ".defaultRequest", keys, causes);
        }
        if (type.equals("PersistentVolumeClaim") && !orEmpty(item.getMin()).containsKey("storage")
                && !orEmpty(item.getMax()).containsKey("storage")) {
            causes.add(Cause.required(path + ".limits", "either minimum or maximum storage value is required, but neither was provided"));
        }
        Map<String, Quantity> ratios = checked(item.getMaxLimitRequestRatio(), type, path + ".maxLimitRequestRatio", keys, causes);
        for (String k : keys) {
            Quantity lo = min.get(k);
            Quantity hi = max.get(k);
            Quantity def = defaults.get(k);
            Quantity req = requests.get(k);
            Quantity ratio = ratios.get(k);
            if (lo != null && hi != null && Quantities.compare(lo, hi) > 0) {
                causes.add(Cause.invalid(key(path, "min", k), str(lo), "min value " + str(lo) + " is greater than max value " + str(hi)));
            }
            if (req != null && lo != null && Quantities.compare(lo, req) > 0) {
                causes.add(Cause.invalid(key(path, "defaultRequest", k), str(req),
                        "min value " + str(lo) + " is greater than default request value " + str(req)));
            }
            if (req != null && hi != null && Quantities.compare(req, hi) > 0) {
                causes.add(Cause.invalid(key(path, "defaultRequest", k), str(req),
                        "default request value " + str(req) + " is greater than max value " + str(hi)));
            }
            if (req != null && def != null && Quantities.compare(req, def) > 0) {
                causes.add(Cause.invalid(key(path, "defaultRequest", k), str(req),
                        "default request value " + str(req) + " is greater than default limit value " + str(def)));
            }
            if (def != null && lo != null && Quantities.compare(lo, def) > 0) {
                causes.add(Cause.invalid(key(path, "default", k), str(lo), "min value " + str(lo) + " is greater than default value " + str(def)));
            }
            if (def != null && hi != null && Quantities.compare(def, hi) > 0) {
                causes.add(Cause.invalid(key(path, "default", k), str(hi),
                        "default value " + str(def) + " is greater than max value " + str(hi)));
            }
            if (ratio != null && Quantities.value(ratio).compareTo(BigDecimal.ONE) < 0) {
                causes.add(Cause.invalid(key(path, "maxLimitRequestRatio", k), str(ratio), "ratio " + str(ratio) + " is less than 1"));
            }
            if (ratio != null && lo != null && hi != null && Quantities.value(lo).signum() != 0) {
                BigDecimal limit = Quantities.value(hi).divide(Quantities.value(lo), 6, RoundingMode.HALF_EVEN);
                if (Quantities.value(ratio).compareTo(limit) > 0) {
                    causes.add(Cause.invalid(key(path, "maxLimitRequestRatio", k), str(ratio),
                            "ratio " + str(ratio) + " is greater than max/min = " + String.format(Locale.ROOT, "%f", limit)));
                }
            }
            if (!ResourceNames.overcommitAllowed(k) && def != null && req != null && Quantities.compare(def, req) != 0) {
                causes.add(Cause.invalid(key(path, "defaultRequest", k), str(req),
                        "default value " + str(def) + " must equal to defaultRequest value " + str(req) + " in " + k));
            }
        }
        return causes;
    }

    /** validateLimitRangeTypeName. */
    private static List<Cause> validateType(String type, String path) {
        List<Cause> causes = new ArrayList<>();
        for (String msg : NameFormats.isQualifiedName(type)) {
            causes.add(Cause.invalid(path, type, msg));
        }
        if (causes.isEmpty() && !type.contains("/") && !TYPES.contains(type)) {
            causes.add(Cause.invalid(path, type, "must be a standard limit type or fully qualified"));
        }
        return causes;
    }

    /** The item's list for one bound, its names checked (container names for Pod and Container items) and its quantities parsed. */
    private static Map<String, Quantity> checked(Map<String, Quantity> list, String type, String path, Set<String> keys,
                                                 List<Cause> causes) {
        Map<String, Quantity> valid = new TreeMap<>();
        for (var e : new TreeMap<>(orEmpty(list)).entrySet()) {
            String at = path + "[" + e.getKey() + "]";
            causes.addAll(type.equals("Pod") || type.equals("Container") ? ResourceNames.validateForContainer(e.getKey(), at)
                    : ResourceNames.validate(e.getKey(), at));
            keys.add(e.getKey());
            if (Quantities.isValid(e.getValue())) {
                valid.put(e.getKey(), e.getValue());
            } else {
                causes.add(Cause.invalid(at, String.valueOf(e.getValue()), Quantities.FORMAT_MESSAGE));
            }
        }
        return valid;
    }

    private static String key(String path, String field, String resource) {
        return path + "." + field + "[" + resource + "]";
    }

    private static String str(Quantity q) {
        return Quantities.canonical(q);
    }

    @Override
    public List<Cause> validateUpdate(LimitRange limitRange, LimitRange old) {
        return validate(limitRange);
    }

    private static List<LimitRangeItem> items(LimitRange limitRange) {
        return limitRange.getSpec() == null || limitRange.getSpec().getLimits() == null ? List.of() : limitRange.getSpec().getLimits();
    }

    private static Map<String, Quantity> orEmpty(Map<String, Quantity> map) {
        return map == null ? Map.of() : map;
    }
}
