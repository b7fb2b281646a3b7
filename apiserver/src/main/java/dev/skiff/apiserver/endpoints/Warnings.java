package dev.skiff.apiserver.endpoints;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The warnings one request collects for its response (upstream's k8s.io/apiserver/pkg/warning
 * recorder): admission plugins add them while the request runs, the same text once, and they go
 * out as RFC 7234 {@code Warning: 299 - "text"} headers, whatever the response's status.
 */
public final class Warnings {
    private final Set<String> texts = new LinkedHashSet<>();

    public synchronized void add(String text) {
        texts.add(text);
    }

    public synchronized List<String> all() {
        return List.copyOf(texts);
    }

    /** {@code headers} with these warnings after the ones it already carries. */
    public Map<String, String> addTo(Map<String, String> headers) {
        List<String> own = all();
        if (own.isEmpty()) {
            return headers;
        }
        Map<String, String> merged = new HashMap<>(headers);
        merged.merge("Warning", header(own), (first, second) -> first + ", " + second);
        return merged;
    }

    /** The Warning header for {@code texts} (several in one header, comma-separated, as HTTP allows); empty when none. */
    public static Map<String, String> headers(List<String> texts) {
        return texts.isEmpty() ? Map.of() : Map.of("Warning", header(texts));
    }

    private static String header(List<String> texts) {
        var values = new ArrayList<String>();
        for (String text : texts) {
            values.add("299 - \"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"");
        }
        return String.join(", ", values);
    }
}
