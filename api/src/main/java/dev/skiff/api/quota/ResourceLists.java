package dev.skiff.api.quota;

import dev.skiff.api.quantity.Quantities;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Arithmetic over resource lists (resource name to quantity), as apiserver's quota/v1 helpers:
 * add, subtract, mask, compare against hard limits, and the sorted {@code name=value} form quota
 * errors print. Lists come back sorted by name with canonical quantities.
 */
public final class ResourceLists {
    private ResourceLists() {
    }

    /** {@code a + b}: every name of either list. */
    public static Map<String, Quantity> add(Map<String, Quantity> a, Map<String, Quantity> b) {
        Map<String, Quantity> sum = new TreeMap<>(a);
        b.forEach((name, q) -> sum.merge(name, q, Quantities::add));
        return sum;
    }

    /** {@code a - b} over a's names, never below zero (SubtractWithNonNegativeResult). */
    public static Map<String, Quantity> subtractNonNegative(Map<String, Quantity> a, Map<String, Quantity> b) {
        Map<String, Quantity> difference = new TreeMap<>();
        a.forEach((name, q) -> {
            Quantity d = Quantities.subtract(q, b.get(name));
            difference.put(name, Quantities.value(d).signum() < 0 ? new Quantity("0") : d);
        });
        return difference;
    }

    /** The entries whose names are in {@code names}. */
    public static Map<String, Quantity> mask(Map<String, Quantity> list, Collection<String> names) {
        Map<String, Quantity> masked = new TreeMap<>();
        list.forEach((name, q) -> {
            if (names.contains(name)) {
                masked.put(name, q);
            }
        });
        return masked;
    }

    /** The entries that are not zero. */
    public static Map<String, Quantity> removeZeros(Map<String, Quantity> list) {
        Map<String, Quantity> nonZero = new TreeMap<>();
        list.forEach((name, q) -> {
            if (Quantities.value(q).signum() != 0) {
                nonZero.put(name, q);
            }
        });
        return nonZero;
    }

    /** The names whose quantity is negative. */
    public static Set<String> negative(Map<String, Quantity> list) {
        return list.entrySet().stream().filter(e -> Quantities.value(e.getValue()).signum() < 0).map(Map.Entry::getKey)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** The names of {@code a} that exceed {@code b} (LessThanOrEqual's second result); names b lacks are not limited. */
    public static Set<String> exceeding(Map<String, Quantity> a, Map<String, Quantity> b) {
        Set<String> exceeded = new TreeSet<>();
        a.forEach((name, q) -> {
            Quantity limit = b.get(name);
            if (limit != null && Quantities.compare(q, limit) > 0) {
                exceeded.add(name);
            }
        });
        return exceeded;
    }

    /** Whether both lists name the same resources with equal values. */
    public static boolean equal(Map<String, Quantity> a, Map<String, Quantity> b) {
        if (!a.keySet().equals(b.keySet())) {
            return false;
        }
        return a.entrySet().stream().allMatch(e -> Quantities.compare(e.getValue(), b.get(e.getKey())) == 0);
    }

    /** {@code a=1,b=2Gi}: sorted by name, canonical quantities (upstream's prettyPrint in quota errors). */
    public static String prettyPrint(Map<String, Quantity> list) {
        return new TreeMap<>(list).entrySet().stream().map(e -> e.getKey() + "=" + Quantities.canonical(e.getValue()))
                .collect(Collectors.joining(","));
    }

    /** The names sorted and comma-joined. */
    public static String prettyPrintNames(Collection<String> names) {
        return String.join(",", new TreeSet<>(names));
    }

    /** A canonical copy, sorted by name (a status that compares equal field by field to what the server stores). */
    public static Map<String, Quantity> canonical(Map<String, Quantity> list) {
        Map<String, Quantity> out = new TreeMap<>();
        (list == null ? Map.<String, Quantity>of() : list).forEach((name, q) -> out.put(name, new Quantity(Quantities.canonical(q))));
        return out;
    }

    static Map<String, Quantity> of(List<String> names, long value) {
        Map<String, Quantity> list = new TreeMap<>();
        names.forEach(n -> list.put(n, new Quantity(Long.toString(value))));
        return list;
    }
}
