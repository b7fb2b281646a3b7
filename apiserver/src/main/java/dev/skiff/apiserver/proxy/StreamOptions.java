package dev.skiff.apiserver.proxy;

import dev.skiff.api.errors.ApiException;
import java.util.List;
import java.util.Map;

/**
 * The streams an exec or attach asked for (upstream: proxy.Options read from the request's query);
 * they decide which SPDY streams the translator opens to the kubelet.
 */
public record StreamOptions(boolean stdin, boolean stdout, boolean stderr, boolean tty) {
    /** From the query; upstream's rule that at least one of stdin, stdout and stderr is asked for (400 otherwise). */
    public static StreamOptions fromQuery(Map<String, List<String>> query) {
        var options = new StreamOptions(flag(query, "stdin"), flag(query, "stdout"), flag(query, "stderr"), flag(query, "tty"));
        if (!options.stdin && !options.stdout && !options.stderr) {
            throw ApiException.badRequest("you must specify at least 1 of stdin, stdout, stderr");
        }
        return options;
    }

    private static boolean flag(Map<String, List<String>> query, String name) {
        List<String> values = query.get(name);
        if (values == null || values.isEmpty()) {
            return false;
        }
        return switch (values.getFirst()) {
            case "1", "t", "T", "true", "TRUE", "True" -> true;
            case "", "0", "f", "F", "false", "FALSE", "False" -> false;
            default -> throw ApiException.badRequest("invalid value for " + name + ": " + values.getFirst());
        };
    }
}
