package dev.skiff.agent.credentialprovider;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Registry credentials by location, looked up by image repository (upstream: credentialprovider's
 * BasicDockerKeyring). A location is a host, with an optional port and an optional path
 * ({@code registry.example:5000/team}), a scheme ({@code https://}) and a {@code /v1/} or {@code /v2/}
 * path prefix being dropped; host labels may be globs ({@code *.example.com}). A repository matches a
 * location when its port is the same, it has as many host labels and each matches the location's, and
 * its path starts with the location's path. Locations are tried from the most specific (reverse
 * lexical order, so {@code quay.io/team} before {@code quay.io}); each location may hold several
 * credentials, returned in the order added. Docker Hub images also match credentials for
 * {@code index.docker.io}.
 */
public final class DockerKeyring {
    static final String DEFAULT_REGISTRY_HOST = "index.docker.io";

    private final Map<String, List<AuthConfig>> creds = new LinkedHashMap<>();
    private final TreeSet<String> index = new TreeSet<>(Comparator.reverseOrder());

    /** Adds every entry of a docker config (location to credentials). */
    public DockerKeyring add(Map<String, AuthConfig> config) {
        config.forEach((location, auth) -> {
            String key = key(location);
            creds.computeIfAbsent(key, k -> new ArrayList<>()).add(auth);
            index.add(key);
        });
        return this;
    }

    /** The location as the index holds it: host[:port] and path, without scheme or a /v1/ or /v2/ prefix. */
    static String key(String location) {
        String value = location;
        if (value.startsWith("https://")) {
            value = value.substring("https://".length());
        } else if (value.startsWith("http://")) {
            value = value.substring("http://".length());
        }
        Location parsed = Location.parse(value);
        String path = parsed.path();
        if (path.startsWith("/v2/") || path.startsWith("/v1/")) {
            path = path.substring(3);
        }
        return path.isEmpty() || path.equals("/") ? parsed.host() : parsed.host() + path;
    }

    /**
     * The credentials to try for {@code repository} (a normalized image name without tag or digest,
     * {@code docker.io/library/busybox}, {@code 127.0.0.1:5000/app}), most specific location first; empty
     * when none matches.
     */
    public List<AuthConfig> lookup(String repository) {
        List<AuthConfig> out = new ArrayList<>();
        for (String key : index) {
            if (matches(key, repository)) {
                out.addAll(creds.get(key));
            }
        }
        if (out.isEmpty() && isDefaultRegistry(repository) && creds.containsKey(DEFAULT_REGISTRY_HOST)) {
            out.addAll(creds.get(DEFAULT_REGISTRY_HOST));
        }
        return out;
    }

    /** Whether the image is pulled from Docker Hub, judged by its name as docker does. */
    static boolean isDefaultRegistry(String image) {
        int slash = image.indexOf('/');
        String first = slash < 0 ? image : image.substring(0, slash);
        if (first.isEmpty()) {
            return false;
        }
        if (slash < 0 || first.equals("docker.io") || first.equals("index.docker.io")) {
            return true;
        }
        return !first.contains(".") && !first.contains(":") && !first.equals("localhost");
    }

    /**
     * Whether {@code target} falls under the location {@code glob}: same port, same number of host labels, each
     * matching as a glob, and the glob's path a prefix of the target's.
     */
    static boolean matches(String glob, String target) {
        Location g = Location.parse(glob);
        Location t = Location.parse(target);
        if (!g.port().equals(t.port())) {
            return false;
        }
        String[] globLabels = g.hostname().split("\\.", -1);
        String[] targetLabels = t.hostname().split("\\.", -1);
        if (globLabels.length != targetLabels.length || !t.path().startsWith(g.path())) {
            return false;
        }
        for (int i = 0; i < globLabels.length; i++) {
            if (!Glob.matches(globLabels[i], targetLabels[i])) {
                return false;
            }
        }
        return true;
    }

    /** A schemeless location: host (with port) up to the first slash, the rest the path. */
    record Location(String host, String path) {
        static Location parse(String schemeless) {
            int slash = schemeless.indexOf('/');
            return slash < 0 ? new Location(schemeless, "") : new Location(schemeless.substring(0, slash), schemeless.substring(slash));
        }

        /** The host name without the port (an IPv6 literal without its brackets). */
        String hostname() {
            if (host.startsWith("[")) {
                int close = host.indexOf(']');
                return close < 0 ? host : host.substring(1, close);
            }
            int colon = host.lastIndexOf(':');
            return colon < 0 || host.indexOf(':') != colon ? host : host.substring(0, colon);
        }

        /** The port, empty when there is none. */
        String port() {
            if (host.startsWith("[")) {
                int close = host.indexOf(']');
                return close >= 0 && close + 1 < host.length() && host.charAt(close + 1) == ':' ? host.substring(close + 2) : "";
            }
            int colon = host.lastIndexOf(':');
            return colon < 0 || host.indexOf(':') != colon ? "" : host.substring(colon + 1);
        }
    }

    /**
     * Shell-style patterns for one host label, as Go's path/filepath Match: {@code *} any run of characters,
     * {@code ?} one character, {@code [a-z]} / {@code [^a-z]} a class, {@code \} escapes. A malformed
     * pattern matches nothing.
     */
    static final class Glob {
        private Glob() {
        }

        static boolean matches(String pattern, String text) {
            try {
                return match(pattern, 0, text, 0);
            } catch (IllegalArgumentException malformed) {
                return false;
            }
        }

        private static boolean match(String p, int pi, String s, int si) {
            while (pi < p.length()) {
                char c = p.charAt(pi);
                switch (c) {
                    case '*' -> {
                        while (pi < p.length() && p.charAt(pi) == '*') {
                            pi++;
                        }
                        if (pi == p.length()) {
                            checkRest(p, pi);
                            return true;
                        }
                        for (int k = si; k <= s.length(); k++) {
                            if (match(p, pi, s, k)) {
                                return true;
                            }
                        }
                        checkRest(p, pi);
                        return false;
                    }
                    case '?' -> {
                        if (si >= s.length()) {
                            checkRest(p, pi + 1);
                            return false;
                        }
                        pi++;
                        si++;
                    }
                    case '[' -> {
                        int end = classEnd(p, pi);
                        if (si >= s.length() || !inClass(p, pi + 1, end, s.charAt(si))) {
                            checkRest(p, end + 1);
                            return false;
                        }
                        pi = end + 1;
                        si++;
                    }
                    case '\\' -> {
                        if (pi + 1 >= p.length()) {
                            throw new IllegalArgumentException("trailing backslash");
                        }
                        if (si >= s.length() || s.charAt(si) != p.charAt(pi + 1)) {
                            checkRest(p, pi + 2);
                            return false;
                        }
                        pi += 2;
                        si++;
                    }
                    default -> {
                        if (si >= s.length() || s.charAt(si) != c) {
                            checkRest(p, pi + 1);
                            return false;
                        }
                        pi++;
                        si++;
                    }
                }
            }
            return si == s.length();
        }

        /** Go's Match reports a malformed pattern even after a mismatch: the rest is checked for syntax. */
        private static void checkRest(String p, int from) {
            int i = from;
            while (i < p.length()) {
                char c = p.charAt(i);
                if (c == '[') {
                    i = classEnd(p, i) + 1;
                } else if (c == '\\') {
                    if (i + 1 >= p.length()) {
                        throw new IllegalArgumentException("trailing backslash");
                    }
                    i += 2;
                } else {
                    i++;
                }
            }
        }

        /** The index of the ']' closing the class opened at {@code open}. */
        private static int classEnd(String p, int open) {
            int i = open + 1;
            if (i < p.length() && p.charAt(i) == '^') {
                i++;
            }
            boolean first = true;
            while (i < p.length()) {
                char c = p.charAt(i);
                if (c == ']' && !first) {
                    return i;
                }
                if (c == ']' || c == '-') {
                    throw new IllegalArgumentException("bad character class");
                }
                i = c == '\\' ? i + 2 : i + 1;
                if (i < p.length() && p.charAt(i) == '-') {
                    if (i + 1 >= p.length() || p.charAt(i + 1) == ']') {
                        throw new IllegalArgumentException("bad range");
                    }
                    i = p.charAt(i + 1) == '\\' ? i + 3 : i + 2;
                }
                first = false;
            }
            throw new IllegalArgumentException("unterminated character class");
        }

        private static boolean inClass(String p, int from, int end, char ch) {
            int i = from;
            boolean negated = i < end && p.charAt(i) == '^';
            if (negated) {
                i++;
            }
            boolean matched = false;
            while (i < end) {
                char lo = p.charAt(i) == '\\' ? p.charAt(++i) : p.charAt(i);
                i++;
                char hi = lo;
                if (i < end && p.charAt(i) == '-') {
                    i++;
                    hi = p.charAt(i) == '\\' ? p.charAt(++i) : p.charAt(i);
                    i++;
                }
                if (lo <= ch && ch <= hi) {
                    matched = true;
                }
            }
            return matched != negated;
        }
    }
}
