package dev.skiff.apiserver.admission;

import dev.skiff.apiserver.authn.UserInfo;
import dev.skiff.apiserver.request.RequestInfo;

/** What admission sees of a mutating request: who, what, and the body as sent (JSON, YAML or protobuf). */
public record AdmissionAttributes(UserInfo user, RequestInfo request, String contentType, byte[] body) {
    public AdmissionAttributes withBody(byte[] newBody) {
        return new AdmissionAttributes(user, request, contentType, newBody);
    }

    /** A body re-encoded by a mutating plugin, with its own content type. */
    public AdmissionAttributes withBody(String newContentType, byte[] newBody) {
        return new AdmissionAttributes(user, request, newContentType, newBody);
    }
}
