package dev.skiff.agent.containerd.registries;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A node's private registry configuration, k3s's registries.yaml: {@code mirrors} (a registry name, or {@code *} for
 * every registry, to the endpoints tried before the registry itself, and regex rewrites of the repository applied on
 * those endpoints) and {@code configs} (a registry host to its {@code auth} and {@code tls}). Read strictly: an unknown
 * key, a bad endpoint URL or regex, or a TLS file that cannot be read is an {@link InvalidException} naming the file.
 *
 * @param mirrors registry name to its mirror, in the file's order
 * @param configs registry host (host[:port]) to its config, in the file's order
 */
public record Registries(Map<String, Mirror> mirrors, Map<String, Config> configs) {
    /** The mirror key that applies to every registry without its own (containerd's {@code _default} host directory). */
    public static final String DEFAULT_MIRROR = "*";

    public static final Registries NONE = new Registries(Map.of(), Map.of());

    public Registries {
        mirrors = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(mirrors));
        configs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(configs));
    }

    /**
     * @param endpoints endpoint URLs, scheme included (https added where the file had none), in order
     * @param rewrites  repository regex to replacement ({@code $1} for a group), the first match applied
     */
    public record Mirror(List<String> endpoints, Map<Pattern, String> rewrites) {
        public Mirror {
            endpoints = List.copyOf(endpoints);
            rewrites = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(rewrites));
        }
    }

    /** A registry host's credentials (null for none) and TLS settings (null for none). */
    public record Config(Auth auth, Tls tls) {
    }

    /** Credentials as the CRI's AuthConfig has them; empty strings for what is not set. */
    public record Auth(String username, String password, String auth, String identityToken) {
        @Override
        public String toString() {
            return "Auth[username=" + username + "]";
        }
    }

    /** Files are absolute paths, null when not set. */
    public record Tls(Path caFile, Path certFile, Path keyFile, boolean insecureSkipVerify) {
    }

    /** A registries file that cannot be used; the message is one line naming the file. */
    public static final class InvalidException extends Exception {
        public InvalidException(String message) {
            super(message);
        }
    }

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /**
     * The file's configuration. A missing file is {@link #NONE} when {@code optional} (k3s's default path), else an
     * error.
     */
    public static Registries read(Path file, boolean optional) throws InvalidException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            if (optional) {
                return NONE;
            }
            throw new InvalidException(file + ": no such file");
        } catch (IOException e) {
            throw new InvalidException(file + ": cannot read: " + e.getMessage());
        }
        try {
            return parse(bytes, file.toAbsolutePath().getParent());
        } catch (InvalidException e) {
            throw new InvalidException(file + ": " + e.getMessage());
        }
    }

    /** Parses registries.yaml text; relative TLS file paths are resolved against {@code baseDir}. */
    public static Registries parse(byte[] yaml, Path baseDir) throws InvalidException {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JacksonException e) {
            throw new InvalidException("invalid YAML: " + e.getOriginalMessage().lines().findFirst().orElse("")
                    + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ")" : ""));
        } catch (IOException e) {
            throw new InvalidException("invalid YAML: " + e.getMessage());
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return NONE;
        }
        object(root, "the top level", Set.of("mirrors", "configs"));
        Map<String, Mirror> mirrors = new LinkedHashMap<>();
        for (var e : entries(root.get("mirrors"), "mirrors")) {
            String name = e.getKey();
            String where = "mirrors." + name;
            if (!name.equals(DEFAULT_MIRROR)) {
                hostPort(name, where);
            }
            JsonNode m = object(e.getValue(), where, Set.of("endpoint", "rewrite"));
            List<String> endpoints = new ArrayList<>();
            JsonNode list = m.get("endpoint");
            if (list != null && !list.isNull()) {
                if (!list.isArray()) {
                    throw new InvalidException(where + ".endpoint: want a list of URLs");
                }
                for (JsonNode ep : list) {
                    endpoints.add(endpoint(text(ep, where + ".endpoint"), where + ".endpoint"));
                }
            }
            Map<Pattern, String> rewrites = new LinkedHashMap<>();
            for (var r : entries(m.get("rewrite"), where + ".rewrite")) {
                try {
                    rewrites.put(Pattern.compile(r.getKey()), text(r.getValue(), where + ".rewrite." + r.getKey()));
                } catch (PatternSyntaxException ex) {
                    throw new InvalidException(where + ".rewrite: invalid regex " + quote(r.getKey()) + ": " + ex.getDescription());
                }
            }
            mirrors.put(name, new Mirror(endpoints, rewrites));
        }
        Map<String, Config> configs = new LinkedHashMap<>();
        for (var e : entries(root.get("configs"), "configs")) {
            String host = e.getKey();
            String where = "configs." + host;
            hostPort(host, where);
            JsonNode c = object(e.getValue(), where, Set.of("auth", "tls"));
            configs.put(host, new Config(auth(c.get("auth"), where + ".auth"), tls(c.get("tls"), where + ".tls", baseDir)));
        }
        return new Registries(mirrors, configs);
    }

    private static Auth auth(JsonNode node, String where) throws InvalidException {
        if (node == null || node.isNull()) {
            return null;
        }
        object(node, where, Set.of("username", "password", "auth", "identitytoken"));
        return new Auth(optionalText(node, "username", where), optionalText(node, "password", where), optionalText(node, "auth", where),
                optionalText(node, "identitytoken", where));
    }

    private static Tls tls(JsonNode node, String where, Path baseDir) throws InvalidException {
        if (node == null || node.isNull()) {
            return null;
        }
        object(node, where, Set.of("ca_file", "cert_file", "key_file", "insecure_skip_verify"));
        Path ca = file(node, "ca_file", where, baseDir);
        Path cert = file(node, "cert_file", where, baseDir);
        Path key = file(node, "key_file", where, baseDir);
        if ((cert == null) != (key == null)) {
            throw new InvalidException(where + ": cert_file and key_file go together");
        }
        JsonNode skip = node.get("insecure_skip_verify");
        if (skip != null && !skip.isNull() && !skip.isBoolean()) {
            throw new InvalidException(where + ".insecure_skip_verify: want true or false");
        }
        return new Tls(ca, cert, key, skip != null && skip.asBoolean());
    }

    private static Path file(JsonNode node, String field, String where, Path baseDir) throws InvalidException {
        String value = optionalText(node, field, where);
        if (value.isEmpty()) {
            return null;
        }
        Path p = baseDir == null ? Path.of(value).toAbsolutePath() : baseDir.resolve(value);
        if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
            throw new InvalidException(where + "." + field + ": cannot read " + p);
        }
        return p;
    }

    /** An endpoint as containerd reads it: http or https (https when none is given), a host, an optional path. */
    static String endpoint(String value, String where) throws InvalidException {
        String url = value.contains("://") ? value : "https://" + value;
        try {
            URI u = new URI(url);
            if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme())) {
                throw new InvalidException(where + ": " + quote(value) + " is not an http or https URL");
            }
            if (u.getHost() == null || u.getRawQuery() != null || u.getRawFragment() != null) {
                throw new InvalidException(where + ": " + quote(value) + " is not a registry URL (scheme://host[:port][/path])");
            }
        } catch (URISyntaxException e) {
            throw new InvalidException(where + ": " + quote(value) + " is not a URL: " + e.getReason());
        }
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** A registry name: host[:port], as an image reference's first component. */
    private static void hostPort(String name, String where) throws InvalidException {
        try {
            URI u = new URI("https://" + name);
            if (u.getHost() == null || !name.equals(u.getRawAuthority()) || name.contains("@")) {
                throw new InvalidException(where + ": " + quote(name) + " is not a registry host[:port]");
            }
        } catch (URISyntaxException e) {
            throw new InvalidException(where + ": " + quote(name) + " is not a registry host[:port]");
        }
    }

    private static JsonNode object(JsonNode node, String where, Set<String> known) throws InvalidException {
        if (node == null || !node.isObject()) {
            throw new InvalidException(where + ": want a mapping");
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!known.contains(key)) {
                throw new InvalidException(where + ": unknown key " + quote(key) + " (known: " + String.join(", ", known.stream().sorted().toList()) + ")");
            }
        }
        return node;
    }

    private static List<Map.Entry<String, JsonNode>> entries(JsonNode node, String where) throws InvalidException {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isObject()) {
            throw new InvalidException(where + ": want a mapping");
        }
        List<Map.Entry<String, JsonNode>> out = new ArrayList<>();
        node.fields().forEachRemaining(out::add);
        return out;
    }

    private static String optionalText(JsonNode node, String field, String where) throws InvalidException {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? "" : text(v, where + "." + field);
    }

    private static String text(JsonNode v, String where) throws InvalidException {
        if (v == null || !v.isValueNode() || v.isNull()) {
            throw new InvalidException(where + ": want a string");
        }
        return v.asText();
    }

    private static String quote(String s) {
        return "\"" + s + "\"";
    }

    /** Whether there is nothing configured. */
    public boolean isEmpty() {
        return mirrors.isEmpty() && configs.isEmpty();
    }
}
