package dev.skiff.api.validation;

import java.util.List;

/**
 * How a resource's names are checked (upstream's ValidateNameFunc). {@code prefix} is true when
 * the value is a generateName, which will get a random suffix, so a trailing '-' is fine.
 */
@FunctionalInterface
public interface NameValidator {
    List<String> validate(String name, boolean prefix);

    /** Most resources: pods, configmaps, deployments, ... */
    NameValidator DNS_SUBDOMAIN = (name, prefix) -> NameFormats.isDns1123Subdomain(prefix ? maskTrailingDash(name) : name);
    /** Namespaces. */
    NameValidator DNS_LABEL = (name, prefix) -> NameFormats.isDns1123Label(prefix ? maskTrailingDash(name) : name);
    /** Services. */
    NameValidator DNS1035_LABEL = (name, prefix) -> NameFormats.isDns1035Label(prefix ? maskTrailingDash(name) : name);
    /** RBAC roles and bindings: anything that fits in one URL path segment. */
    NameValidator PATH_SEGMENT = (name, prefix) -> prefix ? NameFormats.isValidPathSegmentPrefix(name)
            : NameFormats.isValidPathSegmentName(name);

    /**
     * The name rule of a built-in resource, by API group ("" for core) and plural: services are
     * RFC 1035 labels, namespaces RFC 1123 labels, RBAC objects path segments, all others
     * RFC 1123 subdomains (upstream's per-kind ValidateXName functions).
     */
    static NameValidator forResource(String group, String resource) {
        return switch (group + "/" + resource) {
            case "/services" -> DNS1035_LABEL;
            case "/namespaces" -> DNS_LABEL;
            case "rbac.authorization.k8s.io/roles", "rbac.authorization.k8s.io/rolebindings",
                 "rbac.authorization.k8s.io/clusterroles", "rbac.authorization.k8s.io/clusterrolebindings",
                 "apiregistration.k8s.io/apiservices" -> PATH_SEGMENT; // "v1." names the core group
            default -> DNS_SUBDOMAIN;
        };
    }

    /**
     * Upstream replaces a generateName's trailing '-' before checking, since the suffix will follow
     * it. It drops the last two characters and appends 'a'; we keep that exact behaviour so the
     * same prefixes pass and fail (for lengths it errs toward acceptance by one character).
     */
    static String maskTrailingDash(String name) {
        if (name.length() > 1 && name.endsWith("-")) {
            return name.substring(0, name.length() - 2) + "a";
        }
        return name;
    }
}
