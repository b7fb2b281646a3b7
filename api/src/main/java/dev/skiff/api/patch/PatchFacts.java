package dev.skiff.api.patch;

import java.util.Arrays;
import java.util.List;

/**
 * How one field of a built-in type is patched, in upstream's own words: the struct tags
 * {@code patchStrategy} (e.g. {@code "merge"}, {@code "merge,retainKeys"}, {@code "retainKeys"},
 * {@code "replace"}) and {@code patchMergeKey}, and the {@code +listType}/{@code +listMapKey}
 * markers. These are exactly what OpenAPI publishes as {@code x-kubernetes-patch-strategy},
 * {@code x-kubernetes-patch-merge-key}, {@code x-kubernetes-list-type} and
 * {@code x-kubernetes-list-map-keys}. A null means the tag or marker is absent; a list field
 * without any facts is atomic (replaced whole by a strategic merge patch).
 */
public record PatchFacts(String patchStrategy, String patchMergeKey, String listType, List<String> listMapKeys) {
    public PatchFacts {
        listMapKeys = listMapKeys == null ? List.of() : List.copyOf(listMapKeys);
    }

    /** The comma-separated strategies, as upstream splits the tag; empty when there is none. */
    public List<String> strategies() {
        return patchStrategy == null || patchStrategy.isEmpty() ? List.of() : Arrays.asList(patchStrategy.split(","));
    }

    /** Whether a strategic merge patch clears keys the patch's {@code $retainKeys} does not name. */
    public boolean retainKeys() {
        return strategies().contains("retainKeys");
    }

    /** The strategy other than retainKeys ({@code merge}, {@code replace}) or "" - upstream's extractRetainKeysPatchStrategy. */
    public String mergeStrategy() {
        return strategies().stream().filter(s -> !s.equals("retainKeys")).findFirst().orElse("");
    }

    /** A list of objects merged by {@code key}, published as listType=map keyed by {@code listMapKeys}. */
    static PatchFacts mergeByKey(String key, String... listMapKeys) {
        return new PatchFacts("merge", key, "map", listMapKeys.length == 0 ? List.of(key) : List.of(listMapKeys));
    }

    /** As {@link #mergeByKey} and each element's keys are cleared unless named by {@code $retainKeys}. */
    static PatchFacts mergeByKeyRetainingKeys(String key) {
        return new PatchFacts("merge,retainKeys", key, "map", List.of(key));
    }

    /** Merged by key in a strategic merge patch though the list has no map marker (atomic for apply). */
    static PatchFacts mergeByKeyUnmarked(String key) {
        return new PatchFacts("merge", key, null, List.of());
    }

    /** A list of primitives merged as a set. */
    static PatchFacts mergeSet() {
        return new PatchFacts("merge", null, "set", List.of());
    }

    /** A set for server-side apply, replaced whole by a strategic merge patch. */
    static PatchFacts set() {
        return new PatchFacts(null, null, "set", List.of());
    }

    /** A map list for server-side apply, replaced whole by a strategic merge patch. */
    static PatchFacts map(String... keys) {
        return new PatchFacts(null, null, "map", List.of(keys));
    }

    /** A struct field whose keys are cleared unless named by {@code $retainKeys}. */
    static PatchFacts retainingKeys() {
        return new PatchFacts("retainKeys", null, null, List.of());
    }

    /** A struct field replaced whole instead of merged. */
    static PatchFacts replace() {
        return new PatchFacts("replace", null, null, List.of());
    }
}
