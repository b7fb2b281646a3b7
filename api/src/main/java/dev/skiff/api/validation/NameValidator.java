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
