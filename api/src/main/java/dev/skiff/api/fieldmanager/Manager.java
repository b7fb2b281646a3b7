package dev.skiff.api.fieldmanager;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.api.errors.ApiException;

/**
 * Who owns a field set: one managedFields entry's identity, (manager, operation, apiVersion,
 * subresource). Upstream keys managers by this tuple (as JSON), merging entries that share it.
 */
public record Manager(String manager, String operation, String apiVersion, String subresource) {
    public static final String APPLY = "Apply";
    public static final String UPDATE = "Update";

    /** The identity as the JSON upstream sorts and prints by. */
    public String identifier() {
        ObjectNode node = FieldsV1.MAPPER.createObjectNode();
        node.put("manager", manager).put("operation", operation).put("apiVersion", apiVersion);
        if (subresource != null && !subresource.isEmpty()) {
            node.put("subresource", subresource);
        }
        return node.toString();
    }

    /** As upstream prints a manager in conflicts: {@code "kubectl-edit" using v1}, or the quoted name for appliers. */
    public String describe() {
        String name = ApiException.goQuote(manager);
        if (subresource != null && !subresource.isEmpty()) {
            name += " with subresource " + ApiException.goQuote(subresource);
        }
        return operation.equals(UPDATE) ? name + " using " + apiVersion : name;
    }

    /**
     * The manager of a request without {@code fieldManager}: upstream's prefix of the User-Agent
     * before the first '/', non-printable characters dropped, cut to 128 bytes.
     */
    public static String fromUserAgent(String userAgent) {
        if (userAgent == null) {
            return "";
        }
        int slash = userAgent.indexOf('/');
        String prefix = slash < 0 ? userAgent : userAgent.substring(0, slash);
        StringBuilder out = new StringBuilder();
        int bytes = 0;
        for (int i = 0; i < prefix.length(); ) {
            int cp = prefix.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.isISOControl(cp) || !Character.isDefined(cp)) {
                continue;
            }
            int len = new String(Character.toChars(cp)).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            if (bytes + len > 128) {
                break;
            }
            out.appendCodePoint(cp);
            bytes += len;
        }
        return out.toString();
    }
}
