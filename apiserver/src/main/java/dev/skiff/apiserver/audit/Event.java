package dev.skiff.apiserver.audit;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * One audit event (audit.k8s.io/v1 Event) as written to the log, one JSON object a line, field
 * names and order as upstream. Empty fields are left out, except {@code user} (always an object).
 *
 * @param responseStatus a meta/v1 Status: metadata and code, with status, reason, message (and details) on failures
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonPropertyOrder({"kind", "apiVersion", "level", "auditID", "stage", "requestURI", "verb", "user", "impersonatedUser", "sourceIPs",
        "userAgent", "objectRef", "responseStatus", "requestObject", "responseObject", "requestReceivedTimestamp", "stageTimestamp",
        "annotations"})
public record Event(String kind, String apiVersion, Level level, String auditID, Stage stage, String requestURI, String verb,
                    @JsonInclude(JsonInclude.Include.ALWAYS) User user, User impersonatedUser, List<String> sourceIPs,
                    String userAgent, ObjectReference objectRef, JsonNode responseStatus, JsonNode requestObject,
                    JsonNode responseObject, String requestReceivedTimestamp, String stageTimestamp, Map<String, String> annotations) {
    public static final String KIND = "Event";
    public static final String API_VERSION = Policy.GROUP + "/v1";

    /** authentication/v1 UserInfo. */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonPropertyOrder({"username", "uid", "groups", "extra"})
    public record User(String username, String uid, List<String> groups, Map<String, List<String>> extra) {
        static final User NONE = new User("", "", List.of(), Map.of());
    }

    /** What the request is about (audit.k8s.io/v1 ObjectReference). */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonPropertyOrder({"resource", "namespace", "name", "uid", "apiGroup", "apiVersion", "resourceVersion", "subresource"})
    public record ObjectReference(String resource, String namespace, String name, String uid, String apiGroup, String apiVersion,
                                  String resourceVersion, String subresource) {
    }
}
