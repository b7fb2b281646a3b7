package dev.skiff.apiserver.admission;

import dev.skiff.api.errors.ApiException;
import dev.skiff.apiserver.authn.UserInfo;
import dev.skiff.apiserver.endpoints.Warnings;
import dev.skiff.apiserver.request.RequestInfo;
import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * What object-level validating admission sees: the request, and the decoded object the registry is
 * about to write with the stored one it replaces ({@code old} null on create), and the request's
 * warnings.
 */
public record ObjectAttributes(UserInfo user, RequestInfo request, HasMetadata object, HasMetadata old, boolean dryRun,
                               Warnings warnings) {
    public boolean create() {
        return old == null;
    }

    /**
     * Upstream's admission.NewForbidden: 403 "{resource} \"{name}\" is forbidden: {why}", the name
     * the object's (its generateName when it has none yet, else "Unknown").
     */
    public ApiException forbidden(String why) {
        var meta = object.getMetadata();
        String name = meta.getName() != null && !meta.getName().isEmpty() ? meta.getName()
                : meta.getGenerateName() != null ? meta.getGenerateName() : "Unknown";
        return ApiException.forbidden(request.apiGroup(), request.resource(), name, why);
    }
}
