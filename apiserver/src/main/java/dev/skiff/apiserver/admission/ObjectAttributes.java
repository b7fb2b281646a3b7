package dev.skiff.apiserver.admission;

import dev.skiff.apiserver.authn.UserInfo;
import dev.skiff.apiserver.request.RequestInfo;
import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * What object-level validating admission sees: the request, and the decoded object the registry is
 * about to write with the stored one it replaces ({@code old} null on create).
 */
public record ObjectAttributes(UserInfo user, RequestInfo request, HasMetadata object, HasMetadata old, boolean dryRun) {
    public boolean create() {
        return old == null;
    }
}
