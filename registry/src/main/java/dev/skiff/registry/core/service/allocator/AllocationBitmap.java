package dev.skiff.registry.core.service.allocator;

import java.util.BitSet;
import java.util.OptionalInt;
import java.util.random.RandomGenerator;

/**
 * Which of the offsets {@code [0, size)} are taken, as upstream's allocator.AllocationBitmap with its
 * offset scan strategy: a dynamic pick starts at a random offset in the upper band
 * {@code [staticBand, size)} and scans forward, and only when that band is full looks in the lower
 * band {@code [firstDynamic, staticBand)}, so values users choose by hand (usually low ones, such as
 * a DNS service's .10) rarely collide with handed-out ones. Offsets below {@code firstDynamic} are
 * only ever taken on request. Thread-safe: every method holds this object's lock.
 */
public final class AllocationBitmap {
    private final int size;
    private final int firstDynamic;
    private final int staticBand;
    private final RandomGenerator random;
    private final BitSet taken;

    public AllocationBitmap(int size, int firstDynamic, int staticBand, RandomGenerator random) {
        if (size < 0 || firstDynamic < 0 || staticBand < firstDynamic) {
            throw new IllegalArgumentException("size=" + size + " firstDynamic=" + firstDynamic + " staticBand=" + staticBand);
        }
        this.size = size;
        this.firstDynamic = firstDynamic;
        this.staticBand = Math.min(staticBand, size);
        this.random = random;
        this.taken = new BitSet(size);
    }

    /**
     * Upstream's calculateRangeOffset: the static band is size/step, at least {@code min} and at most
     * {@code max}; ranges smaller than {@code min} have none.
     */
    public static int staticBand(int size, int min, int max, int step) {
        if (size < min) {
            return 0;
        }
        return Math.max(min, Math.min(max, size / step));
    }

    public int size() {
        return size;
    }

    /** Takes {@code offset}; false when it was already taken. */
    public synchronized boolean allocate(int offset) {
        checkIndex(offset);
        if (taken.get(offset)) {
            return false;
        }
        taken.set(offset);
        return true;
    }

    /** Takes a free offset, empty when none is left. */
    public synchronized OptionalInt allocateNext() {
        int found = scan(staticBand, size);
        if (found < 0) {
            found = scan(firstDynamic, staticBand);
        }
        if (found < 0) {
            return OptionalInt.empty();
        }
        taken.set(found);
        return OptionalInt.of(found);
    }

    public synchronized void release(int offset) {
        checkIndex(offset);
        taken.clear(offset);
    }

    public synchronized boolean has(int offset) {
        return offset >= 0 && offset < size && taken.get(offset);
    }

    public synchronized int free() {
        return size - taken.cardinality();
    }

    /** A free offset in [from, to), scanning forward from a random start and wrapping; -1 when none. */
    private int scan(int from, int to) {
        if (from >= to) {
            return -1;
        }
        int start = from + random.nextInt(to - from);
        int found = taken.nextClearBit(start);
        if (found < to) {
            return found;
        }
        found = taken.nextClearBit(from);
        return found < start ? found : -1;
    }

    private void checkIndex(int offset) {
        if (offset < 0 || offset >= size) {
            throw new IndexOutOfBoundsException(offset);
        }
    }
}
