package dev.skiff.registry.storage;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.function.Predicate;

/**
 * A list request after selector parsing. {@code resourceVersion} null/"" reads the latest;
 * {@code limit} 0 means all; {@code predicate} {@link #EVERYTHING} (by identity) lets the
 * response carry {@code remainingItemCount}, as upstream does only for an empty selector.
 */
public record ListOptions(String resourceVersion, ResourceVersionMatch match, long limit, String continueToken,
                          Predicate<? super HasMetadata> predicate) {

    public static final Predicate<HasMetadata> EVERYTHING = o -> true;

    public ListOptions {
        match = match == null ? ResourceVersionMatch.UNSET : match;
        predicate = predicate == null ? EVERYTHING : predicate;
    }

    public static ListOptions latest() {
        return new ListOptions(null, ResourceVersionMatch.UNSET, 0, null, EVERYTHING);
    }

    public ListOptions withLimit(long newLimit) {
        return new ListOptions(resourceVersion, match, newLimit, continueToken, predicate);
    }

    public ListOptions withContinue(String token) {
        return new ListOptions(resourceVersion, match, limit, token, predicate);
    }

    public ListOptions withPredicate(Predicate<? super HasMetadata> p) {
        return new ListOptions(resourceVersion, match, limit, continueToken, p);
    }

    public ListOptions atResourceVersion(String rv, ResourceVersionMatch m) {
        return new ListOptions(rv, m, limit, continueToken, predicate);
    }

    boolean matchesEverything() {
        return predicate == EVERYTHING;
    }
}
