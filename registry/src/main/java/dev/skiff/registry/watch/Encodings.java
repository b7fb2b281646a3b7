package dev.skiff.registry.watch;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The encodings of one event's object, made once and shared by every watch the event goes to (upstream's
 * cachingObject in the watch cache): with N watchers an event is encoded once per form (served version, media
 * type), not N times. Callers name the form by a key; the first caller of a key encodes, the others wait for it.
 */
public final class Encodings {
    private String firstKey;
    private byte[] first;
    private Map<String, byte[]> more;

    /** The encoding named {@code key}, made by {@code encode} the first time it is asked for. */
    public synchronized byte[] get(String key, Supplier<byte[]> encode) {
        if (first == null) {
            firstKey = key;
            first = encode.get();
            return first;
        }
        if (firstKey.equals(key)) {
            return first;
        }
        if (more == null) {
            more = new HashMap<>(2);
        }
        return more.computeIfAbsent(key, k -> encode.get());
    }
}
