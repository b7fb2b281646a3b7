package dev.skiff.controller;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.charset.StandardCharsets;

/**
 * The short, name-safe hashes controllers put in names and labels (upstream's controller.ComputeHash
 * and history.HashControllerRevision): FNV-1a 32 of the value's canonical JSON (map keys sorted, so
 * a value read back from the server hashes as the one written), plus the collision count when there
 * is one, encoded with upstream's vowel-free alphabet (rand.SafeEncodeString). Stable, not equal to
 * upstream's strings - nothing depends on that.
 */
public final class ComputeHash {
    /** The characters upstream's rand.SafeEncodeString maps to: no vowels, no confusable digits. */
    private static final String ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789";
    private static final ObjectMapper CANONICAL = new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    private ComputeHash() {
    }

    public static String of(Object value, Integer collisionCount) {
        byte[] bytes = (canonicalJson(value) + (collisionCount == null ? "" : "/" + collisionCount)).getBytes(StandardCharsets.UTF_8);
        int hash = 0x811c9dc5;
        for (byte b : bytes) {
            hash ^= b & 0xff;
            hash *= 0x01000193;
        }
        StringBuilder out = new StringBuilder();
        for (char c : Integer.toUnsignedString(hash).toCharArray()) {
            out.append(ALPHANUMS.charAt((c - '0') % ALPHANUMS.length()));
        }
        return out.toString();
    }

    /**
     * JSON with map keys sorted (objects keep their property order). Two maps of the same JSON
     * are equal when these strings are, whatever their key order or number types (Integer or Long).
     */
    public static String canonicalJson(Object value) {
        try {
            return CANONICAL.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
