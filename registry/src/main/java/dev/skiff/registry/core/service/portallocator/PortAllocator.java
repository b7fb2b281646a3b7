package dev.skiff.registry.core.service.portallocator;

import dev.skiff.registry.core.service.allocator.AllocationBitmap;
import dev.skiff.registry.core.service.allocator.AllocationResult;
import java.util.OptionalInt;
import java.util.random.RandomGenerator;

/** Node ports out of one {@link PortRange}, as upstream's portallocator.PortAllocator. */
public final class PortAllocator {
    private final PortRange range;
    private final AllocationBitmap bitmap;

    public PortAllocator(PortRange range, RandomGenerator random) {
        this.range = range;
        this.bitmap = new AllocationBitmap(range.size(), 0, AllocationBitmap.staticBand(range.size(), 16, 128, 32), random);
    }

    public PortRange range() {
        return range;
    }

    public AllocationResult allocate(int port) {
        if (!range.contains(port)) {
            return AllocationResult.NOT_IN_RANGE;
        }
        return bitmap.allocate(port - range.base()) ? AllocationResult.ALLOCATED : AllocationResult.ALREADY_ALLOCATED;
    }

    public OptionalInt allocateNext() {
        var offset = bitmap.allocateNext();
        return offset.isPresent() ? OptionalInt.of(range.base() + offset.getAsInt()) : OptionalInt.empty();
    }

    /** Gives {@code port} back; a port outside the range is ignored. */
    public void release(int port) {
        if (range.contains(port)) {
            bitmap.release(port - range.base());
        }
    }

    public boolean has(int port) {
        return range.contains(port) && bitmap.has(port - range.base());
    }
}
