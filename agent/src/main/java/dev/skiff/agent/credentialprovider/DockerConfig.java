package dev.skiff.agent.credentialprovider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A docker credentials file: registry location to credentials (upstream: credentialprovider.DockerConfig).
 * Two shapes: the legacy {@code .dockercfg}, the map itself, and {@code .dockerconfigjson}, the map under
 * {@code auths}. An entry's {@code auth} field, base64 of {@code username:password}, wins over its
 * {@code username} and {@code password}.
 */
public final class DockerConfig {
    private static final ObjectMapper JSON = new ObjectMapper();

    private DockerConfig() {
    }

    /** A {@code .dockercfg} document: {@code {"registry": {"username": ..., "password": ..., "auth": ...}}}. */
    public static Map<String, AuthConfig> parseDockercfg(byte[] json) throws IOException {
        return entries(read(json));
    }

    /** A {@code .dockerconfigjson} document: {@code {"auths": {"registry": {...}}}}. */
    public static Map<String, AuthConfig> parseDockerConfigJson(byte[] json) throws IOException {
        JsonNode auths = read(json).get("auths");
        if (auths == null || auths.isNull()) {
            return Map.of();
        }
        return entries(auths);
    }

    private static JsonNode read(byte[] json) throws IOException {
        JsonNode node = JSON.readTree(json);
        if (node == null || !node.isObject()) {
            throw new IOException("docker config must be a JSON object");
        }
        return node;
    }

    private static Map<String, AuthConfig> entries(JsonNode config) throws IOException {
        if (!config.isObject()) {
            throw new IOException("docker config auths must be a JSON object");
        }
        Map<String, AuthConfig> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = config.fields(); it.hasNext(); ) {
            var e = it.next();
            JsonNode entry = e.getValue();
            if (!entry.isObject()) {
                throw new IOException("docker config entry for " + e.getKey() + " must be a JSON object");
            }
            String username = text(entry, "username");
            String password = text(entry, "password");
            String auth = text(entry, "auth");
            if (!auth.isEmpty()) {
                String[] userPass = decodeAuth(auth);
                username = userPass[0];
                password = userPass[1];
            }
            out.put(e.getKey(), AuthConfig.basic(username, password));
        }
        return out;
    }

    /** The {@code auth} field: base64 of {@code username:password}, split at the first colon. */
    static String[] decodeAuth(String field) throws IOException {
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(field), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IOException("docker config auth field is not valid base64: " + e.getMessage());
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            throw new IOException("unable to parse auth field, must be formatted as base64(username:password)");
        }
        return new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)};
    }

    private static String text(JsonNode entry, String field) throws IOException {
        JsonNode v = entry.get(field);
        if (v == null || v.isNull()) {
            return "";
        }
        if (!v.isTextual()) {
            throw new IOException("docker config field " + field + " must be a string");
        }
        return v.asText();
    }
}
