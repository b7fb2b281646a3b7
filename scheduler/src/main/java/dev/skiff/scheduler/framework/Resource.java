package dev.skiff.scheduler.framework;

import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.HashMap;
import java.util.Map;

/**
 * Amounts of the resources the scheduler accounts, as upstream's framework.Resource: milli-CPU,
 * bytes of memory and ephemeral storage, a pod count and scalar (extended, hugepages) resources.
 * Mutable; owned by the NodeInfo or computation that made it.
 */
public final class Resource {
    public static final String CPU = "cpu";
    public static final String MEMORY = "memory";
    public static final String EPHEMERAL_STORAGE = "ephemeral-storage";
    public static final String PODS = "pods";

    public long milliCpu;
    public long memory;
    public long ephemeralStorage;
    public long allowedPodNumber;
    public final Map<String, Long> scalar = new HashMap<>();

    public static Resource of(Map<String, Quantity> list) {
        Resource r = new Resource();
        r.add(list);
        return r;
    }

    public void add(Map<String, Quantity> list) {
        if (list == null) {
            return;
        }
        list.forEach((name, q) -> set(name, get(name) + value(name, q)));
    }

    public void add(Resource other) {
        milliCpu += other.milliCpu;
        memory += other.memory;
        ephemeralStorage += other.ephemeralStorage;
        allowedPodNumber += other.allowedPodNumber;
        other.scalar.forEach((k, v) -> scalar.merge(k, v, Long::sum));
    }

    public void subtract(Resource other) {
        milliCpu -= other.milliCpu;
        memory -= other.memory;
        ephemeralStorage -= other.ephemeralStorage;
        allowedPodNumber -= other.allowedPodNumber;
        other.scalar.forEach((k, v) -> scalar.merge(k, -v, Long::sum));
    }

    /** Each resource becomes the larger of this and other, as upstream's maxResourceList. */
    public void max(Resource other) {
        milliCpu = Math.max(milliCpu, other.milliCpu);
        memory = Math.max(memory, other.memory);
        ephemeralStorage = Math.max(ephemeralStorage, other.ephemeralStorage);
        other.scalar.forEach((k, v) -> scalar.merge(k, v, Math::max));
    }

    public long get(String name) {
        return switch (name) {
            case CPU -> milliCpu;
            case MEMORY -> memory;
            case EPHEMERAL_STORAGE -> ephemeralStorage;
            case PODS -> allowedPodNumber;
            default -> scalar.getOrDefault(name, 0L);
        };
    }

    public void set(String name, long value) {
        switch (name) {
            case CPU -> milliCpu = value;
            case MEMORY -> memory = value;
            case EPHEMERAL_STORAGE -> ephemeralStorage = value;
            case PODS -> allowedPodNumber = value;
            default -> scalar.put(name, value);
        }
    }

    public boolean isZero() {
        return milliCpu == 0 && memory == 0 && ephemeralStorage == 0 && scalar.values().stream().allMatch(v -> v == 0);
    }

    public Resource copy() {
        Resource r = new Resource();
        r.add(this);
        return r;
    }

    /** cpu in milli-units, everything else in units; both rounded up as upstream's MilliValue/Value. */
    static long value(String name, Quantity q) {
        BigDecimal amount = Quantity.getAmountInBytes(q);
        if (CPU.equals(name)) {
            amount = amount.multiply(BigDecimal.valueOf(1000));
        }
        return amount.setScale(0, RoundingMode.CEILING).longValueExact();
    }
}
