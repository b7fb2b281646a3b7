package dev.skiff.api.errors;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.api.model.StatusCauseBuilder;
import java.util.List;

/**
 * Every API failure, carried as the Kubernetes {@code Status} a client receives: HTTP code,
 * reason, message and, for 422 Invalid, one cause per violated field. Messages follow
 * upstream's wording (k8s.io/apimachinery/pkg/api/errors) so clients and humans read the same.
 */
public final class ApiException extends RuntimeException {
    private final Status status;

    private ApiException(Status status) {
        super(status.getMessage());
        this.status = status;
    }

    /** The Status object to send; its {@code code} is the HTTP status. */
    public Status status() {
        return status;
    }

    public int code() {
        return status.getCode();
    }

    public String reason() {
        return status.getReason();
    }

    /** A violated field, as upstream's field.Error: type is e.g. FieldValueRequired, FieldValueInvalid. */
    public record Cause(String type, String field, String message) {
        public static Cause required(String field) {
            return new Cause("FieldValueRequired", field, "Required value");
        }

        /** "Required value: detail", as upstream's field.Required(path, detail) with a non-empty detail. */
        public static Cause required(String field, String detail) {
            return detail.isEmpty() ? required(field) : new Cause("FieldValueRequired", field, "Required value: " + detail);
        }

        /** A value over a size limit; upstream omits the value itself from the message. */
        public static Cause tooLong(String field, int maxBytes) {
            return new Cause("FieldValueTooLong", field, "Too long: may not be more than " + maxBytes + " bytes");
        }

        public static Cause invalid(String field, Object value, String detail) {
            return new Cause("FieldValueInvalid", field, "Invalid value: " + quote(value) + ": " + detail);
        }

        public static Cause forbidden(String field, String detail) {
            return new Cause("FieldValueForbidden", field, "Forbidden: " + detail);
        }

        public static Cause notSupported(String field, Object value, List<String> supported) {
            return new Cause("FieldValueNotSupported", field, "Unsupported value: " + quote(value)
                    + ": supported values: " + String.join(", ", supported.stream().map(v -> "\"" + v + "\"").toList()));
        }

        public static Cause duplicate(String field, Object value) {
            return new Cause("FieldValueDuplicate", field, "Duplicate value: " + quote(value));
        }

        /** How upstream prints the cause inside the aggregate message: "field: detail". */
        public String describe() {
            return field + ": " + message;
        }
    }

    private static String quote(Object value) {
        return value instanceof String s ? goQuote(s) : String.valueOf(value);
    }

    /** Go's %q for the strings a client sent: escapes quotes, backslashes and control characters. */
    public static String goQuote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        sb.append(String.format("\\x%02x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    private static ApiException of(int code, String reason, String message, String group, String kind, String name,
                                   List<Cause> causes) {
        var builder = new StatusBuilder().withApiVersion("v1").withKind("Status").withNewMetadata().endMetadata()
                .withStatus("Failure").withMessage(message).withReason(reason).withCode(code);
        if (kind != null || name != null || !causes.isEmpty()) {
            List<StatusCause> statusCauses = causes.stream()
                    .map(c -> new StatusCauseBuilder().withReason(c.type()).withField(c.field()).withMessage(c.message()).build())
                    .toList();
            builder.withNewDetails().withName(name).withGroup(group == null || group.isEmpty() ? null : group)
                    .withKind(kind).withCauses(statusCauses.isEmpty() ? null : statusCauses).endDetails();
        }
        return new ApiException(builder.build());
    }

    /** "pods \"web\" not found" - resource is the plural, qualified by group when not core. */
    public static ApiException notFound(String group, String resource, String name) {
        return of(404, "NotFound", qualified(group, resource) + " \"" + name + "\" not found", group, resource, name, List.of());
    }

    public static ApiException alreadyExists(String group, String resource, String name) {
        return of(409, "AlreadyExists", qualified(group, resource) + " \"" + name + "\" already exists", group, resource, name, List.of());
    }

    /** A stale resourceVersion (optimistic concurrency). */
    public static ApiException conflict(String group, String resource, String name, String detail) {
        return of(409, "Conflict", "Operation cannot be fulfilled on " + qualified(group, resource) + " \"" + name + "\": " + detail,
                group, resource, name, List.of());
    }

    /** A server-side apply conflict: 409 Conflict whose details carry only the FieldManagerConflict causes. */
    public static ApiException applyConflict(String message, List<Cause> causes) {
        return of(409, "Conflict", message, null, null, null, List.copyOf(causes));
    }

    /** 422 with one cause per violated field: "Pod \"x\" is invalid: [f1: ..., f2: ...]"; the kind is qualified by a non-core group ("Lease.coordination.k8s.io"). */
    public static ApiException invalid(String group, String kind, String name, List<Cause> causes) {
        String fields = causes.size() == 1 ? causes.getFirst().describe()
                : "[" + String.join(", ", causes.stream().map(Cause::describe).toList()) + "]";
        return of(422, "Invalid", qualified(group, kind) + " \"" + name + "\" is invalid: " + fields, group, kind, name, List.copyOf(causes));
    }

    public static ApiException badRequest(String message) {
        return of(400, "BadRequest", message, null, null, null, List.of());
    }

    public static ApiException unauthorized(String message) {
        return of(401, "Unauthorized", message, null, null, null, List.of());
    }

    /** NewForbidden: "pods \"web\" is forbidden: why", with the resource and name in the details. */
    public static ApiException forbidden(String group, String resource, String name, String why) {
        return of(403, "Forbidden", qualified(group, resource) + " \"" + name + "\" is forbidden: " + why, group, resource, name, List.of());
    }

    public static ApiException forbidden(String message) {
        return of(403, "Forbidden", message, null, null, null, List.of());
    }

    public static ApiException notFoundPath() {
        return of(404, "NotFound", "the server could not find the requested resource", null, null, null, List.of());
    }

    public static ApiException methodNotSupported(String resource, String verb) {
        return of(405, "MethodNotAllowed", verb + " is not supported on resources of kind \"" + resource + "\"",
                null, resource, null, List.of());
    }

    public static ApiException notAcceptable(String message) {
        return of(406, "NotAcceptable", message, null, null, null, List.of());
    }

    /** 410 Gone: a watch or list from a compacted resourceVersion, or an expired continue token. */
    public static ApiException expired(String message) {
        return of(410, "Expired", message, null, null, null, List.of());
    }

    public static ApiException requestEntityTooLarge(String message) {
        return of(413, "RequestEntityTooLarge", message, null, null, null, List.of());
    }

    public static ApiException unsupportedMediaType(String contentType) {
        return of(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: "
                + "application/json, application/yaml, application/vnd.kubernetes.protobuf", null, null, null, List.of());
    }

    /** 415 for a body type the endpoint does not take, naming the ones it does (upstream's errUnsupportedMediaType). */
    public static ApiException unsupportedMediaType(List<String> accepted) {
        return of(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: "
                + String.join(", ", accepted), null, null, null, List.of());
    }

    /**
     * 422 as upstream's NewGenericServerResponse(422, ...) makes it: reason Invalid, a fixed message (the
     * detail is not passed on) and empty details. A JSON patch that fails to apply gets this.
     */
    public static ApiException unprocessableEntity() {
        Status status = new StatusBuilder().withApiVersion("v1").withKind("Status").withNewMetadata().endMetadata()
                .withStatus("Failure").withMessage("the server rejected our request due to an error in our request")
                .withReason("Invalid").withCode(422).withNewDetails().endDetails().build();
        return new ApiException(status);
    }

    /**
     * A failure upstream reports as a plain Go error rather than a Status: 500 with no reason and the
     * error's text as the message (apimachinery's ErrorToAPIStatus default).
     */
    public static ApiException unknownServerError(String message) {
        return of(500, null, message, null, null, null, List.of());
    }

    public static ApiException tooManyRequests(String message) {
        return of(429, "TooManyRequests", message, null, null, null, List.of());
    }

    /**
     * 429 as upstream's NewTooManyRequests: details carry {@code retryAfterSeconds} (a Retry-After header
     * when above 0) and the given causes, e.g. the DisruptionBudget cause of a refused eviction.
     */
    public static ApiException tooManyRequests(String message, int retryAfterSeconds, List<Cause> causes) {
        ApiException e = of(429, "TooManyRequests", message, null, null, null, List.copyOf(causes));
        if (e.status.getDetails() == null) {
            e.status.setDetails(new io.fabric8.kubernetes.api.model.StatusDetails());
        }
        e.status.getDetails().setRetryAfterSeconds(retryAfterSeconds);
        return e;
    }

    /** 504 as upstream's NewTimeoutError: "Timeout: message", retry suggested after {@code retryAfterSeconds}. */
    public static ApiException timeout(String message, int retryAfterSeconds) {
        ApiException e = of(504, "Timeout", "Timeout: " + message, null, null, null, List.of());
        e.status.setDetails(new io.fabric8.kubernetes.api.model.StatusDetails());
        e.status.getDetails().setRetryAfterSeconds(retryAfterSeconds);
        return e;
    }

    public static ApiException internal(String message) {
        return of(500, "InternalError", "Internal error occurred: " + message, null, null, null, List.of());
    }

    public static ApiException serviceUnavailable(String message) {
        return of(503, "ServiceUnavailable", message, null, null, null, List.of());
    }

    private static String qualified(String group, String resource) {
        return group == null || group.isEmpty() ? resource : resource + "." + group;
    }
}
