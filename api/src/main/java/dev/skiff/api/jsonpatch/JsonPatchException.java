package dev.skiff.api.jsonpatch;

/**
 * A JSON patch operation that does not apply to the document, with evanphx/json-patch (v4)'s
 * message. kube-apiserver answers every such failure with the same 422 and does not pass the
 * message on; it is kept here for logs and tests.
 */
public final class JsonPatchException extends RuntimeException {
    JsonPatchException(String message) {
        super(message);
    }
}
