package dev.skiff.apiserver.admission;

import dev.skiff.apiserver.authn.UserInfo;
import dev.skiff.apiserver.endpoints.Warnings;
import dev.skiff.apiserver.request.RequestInfo;

/**
 * What admission sees of a mutating request: who, what, and the body as sent (JSON, YAML or
 * protobuf), with the request's warnings a plugin may add to.
 */
public record AdmissionAttributes(UserInfo user, RequestInfo request, String contentType, byte[] body, Warnings warnings) {
    /** A request whose warnings nobody reads. */
    public AdmissionAttributes(UserInfo user, RequestInfo request, String contentType, byte[] body) {
        this(user, request, contentType, body, new Warnings());
    }

    public AdmissionAttributes withBody(byte[] newBody) {
        return new AdmissionAttributes(user, request, contentType, newBody, warnings);
    }

    /** A body re-encoded by a mutating plugin, with its own content type. */
    public AdmissionAttributes withBody(String newContentType, byte[] newBody) {
        return new AdmissionAttributes(user, request, newContentType, newBody, warnings);
    }
}
