package dev.skiff.registry.storage;

import java.util.List;

/**
 * One list response: {@code resourceVersion} is the revision read; {@code continueToken} is null
 * on the last page; {@code remainingItemCount} is null unless known (every-object predicate and more pages).
 */
public record ListResult<T>(List<T> items, String resourceVersion, String continueToken, Long remainingItemCount) {
    public ListResult {
        items = List.copyOf(items);
    }
}
