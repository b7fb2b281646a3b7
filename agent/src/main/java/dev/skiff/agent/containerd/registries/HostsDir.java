package dev.skiff.agent.containerd.registries;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Containerd's registry host directory ({@code config_path}) written from a {@link Registries}: one
 * {@code <dir>/<registry>/hosts.toml} per registry the file names, {@code _default} for the {@code *} mirror. Each
 * lists the mirror's endpoints as {@code [host."<url>"]} entries (pull and resolve only, as k3s's), tried in order,
 * and has no {@code server} line, so containerd falls back to the registry's own endpoint last (registry-1.docker.io
 * for docker.io, plain http for localhost), as k3s's default endpoint fallback. The TLS settings of
 * {@code configs.<host>.tls} go on every entry whose host is {@code <host>} and on the top level of
 * {@code <host>}'s own file. Containerd 1.6 reads a hosts.toml without a {@code host} table as broken (it falls back
 * to certificate files in the directory), so a file without endpoints has an empty {@code [host]} table. A registry
 * with its own file but no mirror gets the {@code *} mirror's endpoints, which it would have had without the file.
 * A mirror with rewrites also gets the directory of its rewrite host ({@link Rewrites}). Credentials are not part of
 * hosts.toml: they go into the CRI plugin's {@code registry.configs} (see {@link #authToml}).
 */
public final class HostsDir {
    /** The host directory containerd falls back to for a registry without its own. */
    static final String DEFAULT_DIR = "_default";

    private HostsDir() {
    }

    /** Directory name to hosts.toml text, in the file's order. */
    public static Map<String, String> render(Registries r) {
        Map<String, String> out = new LinkedHashMap<>();
        Registries.Mirror fallback = r.mirrors().get(Registries.DEFAULT_MIRROR);
        for (var e : r.mirrors().entrySet()) {
            String name = e.getKey();
            boolean dflt = name.equals(Registries.DEFAULT_MIRROR);
            out.put(dflt ? DEFAULT_DIR : name, hostsToml(r, dflt ? null : name, e.getValue().endpoints()));
        }
        for (String host : r.configs().keySet()) {
            if (!r.mirrors().containsKey(host)) {
                out.put(host, hostsToml(r, host, fallback == null ? List.of() : fallback.endpoints()));
            }
        }
        for (var e : r.mirrors().entrySet()) {
            List<String> endpoints = e.getValue().endpoints();
            if (!e.getValue().rewrites().isEmpty() && !endpoints.isEmpty()) {
                out.put(Rewrites.host(r, e.getKey()), rewriteHostsToml(r, endpoints));
            }
        }
        return out;
    }

    /**
     * A mirror's rewrite host ({@link Rewrites}): its endpoints only, the last as {@code server} so that containerd
     * adds no default endpoint for the made-up host name.
     */
    private static String rewriteHostsToml(Registries r, List<String> endpoints) {
        String last = endpoints.getLast();
        StringBuilder b = new StringBuilder("# written by skiff from its registries file: the rewritten pulls of a mirror\n");
        b.append("server = ").append(quote(last)).append('\n');
        tls(b, r.configs().get(URI.create(last).getRawAuthority()));
        hosts(b, r, endpoints.subList(0, endpoints.size() - 1));
        return b.toString().stripTrailing() + "\n";
    }

    private static String hostsToml(Registries r, String registry, List<String> endpoints) {
        StringBuilder b = new StringBuilder("# written by skiff from its registries file\n");
        if (registry != null) {
            tls(b, r.configs().get(registry));
        }
        hosts(b, r, endpoints);
        return b.toString().stripTrailing() + "\n";
    }

    private static void hosts(StringBuilder b, Registries r, List<String> endpoints) {
        if (endpoints.isEmpty()) {
            b.append("\n[host]\n");
        }
        for (String ep : endpoints) {
            b.append("\n[host.").append(quote(ep)).append("]\n");
            b.append("  capabilities = [\"pull\", \"resolve\"]\n");
            tls(b, r.configs().get(URI.create(ep).getRawAuthority()));
        }
    }

    private static void tls(StringBuilder b, Registries.Config config) {
        if (config == null || config.tls() == null) {
            return;
        }
        Registries.Tls tls = config.tls();
        if (tls.caFile() != null) {
            b.append("  ca = ").append(quote(tls.caFile().toString())).append('\n');
        }
        if (tls.certFile() != null) {
            b.append("  client = [[").append(quote(tls.certFile().toString())).append(", ").append(quote(tls.keyFile().toString()))
                    .append("]]\n");
        }
        if (tls.insecureSkipVerify()) {
            b.append("  skip_verify = true\n");
        }
    }

    /**
     * The CRI plugin's node-wide credentials, {@code [<cri>.registry.configs."<host>".auth]} per host with an auth:
     * containerd 1.6 uses them for a host it contacts (a mirror endpoint or the registry) when the pull request carries
     * no credentials, i.e. when none of the pod's imagePullSecrets matched. Allowed beside {@code config_path}, unlike
     * the deprecated {@code mirrors} and {@code configs.tls}.
     */
    public static String authToml(Registries r, String criPlugin) {
        StringBuilder b = new StringBuilder();
        for (var e : r.configs().entrySet()) {
            Registries.Auth a = e.getValue().auth();
            if (a == null) {
                continue;
            }
            b.append("\n[").append(criPlugin).append(".registry.configs.").append(quote(e.getKey())).append(".auth]\n");
            field(b, "username", a.username());
            field(b, "password", a.password());
            field(b, "auth", a.auth());
            field(b, "identitytoken", a.identityToken());
        }
        return b.toString();
    }

    private static void field(StringBuilder b, String key, String value) {
        if (!value.isEmpty()) {
            b.append("  ").append(key).append(" = ").append(quote(value)).append('\n');
        }
    }

    /** Replaces {@code dir}'s contents with the host directories of {@code r}. */
    public static void write(Path dir, Registries r) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> old = Files.walk(dir)) {
                for (Path p : old.sorted(Comparator.reverseOrder()).toList()) {
                    if (!p.equals(dir)) {
                        Files.delete(p);
                    }
                }
            }
        }
        Files.createDirectories(dir);
        for (var e : render(r).entrySet()) {
            Path host = dir.resolve(e.getKey());
            Files.createDirectories(host);
            Files.writeString(host.resolve("hosts.toml"), e.getValue());
        }
    }

    /** A TOML basic string. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
