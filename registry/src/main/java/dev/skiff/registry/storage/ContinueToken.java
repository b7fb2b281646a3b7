package dev.skiff.registry.storage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The opaque {@code continue} value, in upstream's encoding: unpadded URL-safe base64 of
 * {@code {"v":"meta.k8s.io/v1","rv":<revision>,"start":"<next key relative to the resource prefix>"}}.
 * {@code rv} -1 means "continue at the latest revision" (handed out after the snapshot was compacted).
 */
public record ContinueToken(long revision, String start) {
    private static final String VERSION = "meta.k8s.io/v1";
    private static final ObjectMapper JSON = new ObjectMapper();

    public String encode() {
        ObjectNode node = JSON.createObjectNode().put("v", VERSION).put("rv", revision).put("start", start);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(node.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The token, or null when it is not valid (the store's list then answers with the reason). */
    public static ContinueToken tryDecode(String token) {
        try {
            return decode(token);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Throws IllegalArgumentException with upstream's reason when the token is not valid. */
    static ContinueToken decode(String token) {
        JsonNode node;
        try {
            node = JSON.readTree(Base64.getUrlDecoder().decode(token.replace("=", "")));
        } catch (Exception e) {
            throw new IllegalArgumentException("continue key is not valid: " + e.getMessage());
        }
        if (node == null || !VERSION.equals(node.path("v").asText())) {
            throw new IllegalArgumentException("continue key is not valid: server does not recognize this encoded version");
        }
        long rv = node.path("rv").asLong(0);
        if (rv == 0) {
            throw new IllegalArgumentException("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
        }
        String start = node.path("start").asText("");
        if (start.isEmpty()) {
            throw new IllegalArgumentException("continue key is not valid: encoded start key empty");
        }
        // the start key is relative to the resource prefix; it must not climb out of it
        if (start.startsWith("/") || start.contains("..")) {
            throw new IllegalArgumentException("continue key is not valid: " + start);
        }
        return new ContinueToken(rv, start);
    }
}
