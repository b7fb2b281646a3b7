package dev.skiff.registry.core.service.allocator;

/** What asking for one specific value (an IP, a port) came to, as upstream's ErrNotInRange / ErrAllocated. */
public enum AllocationResult {
    ALLOCATED, NOT_IN_RANGE, ALREADY_ALLOCATED
}
