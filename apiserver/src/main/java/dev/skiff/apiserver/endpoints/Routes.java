package dev.skiff.apiserver.endpoints;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which handler serves a path: exact paths first, then the longest registered prefix that ends
 * at a segment boundary ({@code /apis} serves {@code /apis/apps/v1/...}, not {@code /apisx}).
 * The generic registry registers {@code /api} and {@code /apis}; the server itself
 * {@code /version} and the health endpoints.
 */
public final class Routes {
    private final Map<String, ApiHandler> exact;
    private final List<Map.Entry<String, ApiHandler>> prefixes;

    private Routes(Map<String, ApiHandler> exact, Map<String, ApiHandler> prefixes) {
        this.exact = Map.copyOf(exact);
        this.prefixes = prefixes.entrySet().stream()
                .sorted(Comparator.comparingInt((Map.Entry<String, ApiHandler> e) -> e.getKey().length()).reversed())
                .map(e -> Map.entry(e.getKey(), e.getValue()))
                .toList();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Optional<ApiHandler> match(String path) {
        var handler = exact.get(path);
        if (handler != null) {
            return Optional.of(handler);
        }
        for (var entry : prefixes) {
            String prefix = entry.getKey();
            if (path.equals(prefix) || path.startsWith(prefix) && (prefix.endsWith("/") || path.charAt(prefix.length()) == '/')) {
                return Optional.of(entry.getValue());
            }
        }
        return Optional.empty();
    }

    /** A copy of these routes to add more to. */
    public Builder toBuilder() {
        var builder = new Builder();
        builder.exact.putAll(exact);
        prefixes.forEach(e -> builder.prefixes.put(e.getKey(), e.getValue()));
        return builder;
    }

    public static final class Builder {
        private final Map<String, ApiHandler> exact = new LinkedHashMap<>();
        private final Map<String, ApiHandler> prefixes = new LinkedHashMap<>();

        public Builder exact(String path, ApiHandler handler) {
            if (exact.putIfAbsent(checked(path), handler) != null) {
                throw new IllegalArgumentException("path " + path + " is already routed");
            }
            return this;
        }

        /** The prefix itself and everything below it. */
        public Builder prefix(String prefix, ApiHandler handler) {
            if (prefixes.putIfAbsent(checked(prefix), handler) != null) {
                throw new IllegalArgumentException("prefix " + prefix + " is already routed");
            }
            return this;
        }

        public Routes build() {
            return new Routes(exact, prefixes);
        }

        private static String checked(String path) {
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException("a route starts with '/': " + path);
            }
            return path;
        }
    }
}
