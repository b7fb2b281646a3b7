package dev.skiff.registry.storage;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.Optional;

/** Upstream's storage.Preconditions: what the current object must be for a write to proceed. Null = unchecked. */
public record Preconditions(String uid, String resourceVersion) {
    public static final Preconditions NONE = new Preconditions(null, null);

    public static Preconditions resourceVersion(String resourceVersion) {
        return new Preconditions(null, resourceVersion);
    }

    /** The reason the object fails these preconditions, worded as upstream's Preconditions.Check. */
    Optional<String> violation(HasMetadata current) {
        var meta = current.getMetadata();
        if (uid != null && !uid.equals(meta.getUid())) {
            return Optional.of("Precondition failed: UID in precondition: " + uid + ", UID in object meta: " + meta.getUid());
        }
        if (resourceVersion != null && !resourceVersion.equals(meta.getResourceVersion())) {
            return Optional.of("Precondition failed: ResourceVersion in precondition: " + resourceVersion
                    + ", ResourceVersion in object meta: " + meta.getResourceVersion());
        }
        return Optional.empty();
    }
}
