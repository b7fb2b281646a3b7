package dev.skiff.api.resource;

import java.util.Set;

/**
 * A subresource as discovery lists it ("pods/status"): its name, the kind it takes or returns
 * (with the group/version when that differs from the parent's, e.g. pods/eviction takes a
 * policy/v1 Eviction), and its verbs.
 */
public record Subresource(String name, String group, String version, String kind, Set<String> verbs) {
    public Subresource {
        verbs = Set.copyOf(verbs);
    }
}
