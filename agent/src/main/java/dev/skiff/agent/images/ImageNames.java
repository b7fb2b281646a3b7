package dev.skiff.agent.images;

/**
 * Image references as the container runtime normalizes them (docker's rules, which the CRI
 * plugin applies): a name without a registry is on docker.io, a docker.io name without a path
 * is under library/, and a reference without tag or digest means :latest.
 */
public final class ImageNames {
    private ImageNames() {
    }

    public static String normalize(String reference) {
        if (reference == null || reference.isBlank() || !reference.equals(reference.strip())) {
            throw new IllegalArgumentException("image reference must be non-empty without surrounding spaces: '" + reference + "'");
        }
        String name = reference;
        int slash = name.indexOf('/');
        String first = slash < 0 ? "" : name.substring(0, slash);
        boolean hasRegistry = slash >= 0 && (first.contains(".") || first.contains(":") || first.equals("localhost"));
        if (!hasRegistry) {
            name = "docker.io/" + (slash < 0 ? "library/" : "") + name;
        }
        int lastSlash = name.lastIndexOf('/');
        if (!name.contains("@") && name.indexOf(':', lastSlash) < 0) {
            name = name + ":latest";
        }
        return name;
    }

    /** The tag of a reference (latest when it has none). */
    public static String tag(String reference) {
        String normalized = normalize(reference);
        int at = normalized.indexOf('@');
        String named = at < 0 ? normalized : normalized.substring(0, at);
        int colon = named.indexOf(':', named.lastIndexOf('/'));
        return colon < 0 ? "latest" : named.substring(colon + 1);
    }

    /** The repository of a reference: its normalized name without tag or digest ({@code docker.io/library/busybox}). */
    public static String repository(String reference) {
        String normalized = normalize(reference);
        int at = normalized.indexOf('@');
        String named = at < 0 ? normalized : normalized.substring(0, at);
        int colon = named.indexOf(':', named.lastIndexOf('/') + 1);
        return colon < 0 ? named : named.substring(0, colon);
    }
}
