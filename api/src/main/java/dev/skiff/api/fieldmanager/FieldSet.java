package dev.skiff.api.fieldmanager;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A set of field paths as structured-merge-diff's fieldpath.Set: a trie whose nodes are path
 * elements; a node is a member when the path ending there is in the set, and may have children
 * whether or not it is a member. Sets are immutable; the operations return new sets and drop
 * nodes that end up neither members nor parents of members.
 */
public final class FieldSet {
    private static final FieldSet EMPTY = new FieldSet(false, Map.of());

    private final boolean member;
    private final Map<PathElement, FieldSet> children;

    private FieldSet(boolean member, Map<PathElement, FieldSet> children) {
        this.member = member;
        this.children = children;
    }

    public static FieldSet empty() {
        return EMPTY;
    }

    /** A set holding exactly the given paths. */
    public static FieldSet of(List<List<PathElement>> paths) {
        Builder builder = new Builder();
        paths.forEach(builder::insert);
        return builder.build();
    }

    /** Whether the path ending at this node is itself in the set (the fieldsV1 {@code "."}). */
    boolean member() {
        return member;
    }

    /** The subtrees under this node, in upstream's order. */
    Map<PathElement, FieldSet> children() {
        return children;
    }

    public boolean isEmpty() {
        return !member && children.isEmpty();
    }

    public boolean has(List<PathElement> path) {
        FieldSet node = this;
        for (PathElement element : path) {
            node = node.children.get(element);
            if (node == null) {
                return false;
            }
        }
        return node.member;
    }

    /** The subtree under one element (empty when absent). */
    public FieldSet child(PathElement element) {
        return children.getOrDefault(element, EMPTY);
    }

    /** Every path in the set, in upstream's order (a parent before its children). */
    public List<List<PathElement>> paths() {
        List<List<PathElement>> out = new ArrayList<>();
        collect(new ArrayList<>(), out);
        return out;
    }

    private void collect(List<PathElement> prefix, List<List<PathElement>> out) {
        if (member && !prefix.isEmpty()) {
            out.add(List.copyOf(prefix));
        }
        children.forEach((element, child) -> {
            prefix.add(element);
            child.collect(prefix, out);
            prefix.removeLast();
        });
    }

    public FieldSet union(FieldSet other) {
        TreeMap<PathElement, FieldSet> merged = new TreeMap<>(children);
        other.children.forEach((element, child) -> merged.merge(element, child, FieldSet::union));
        return make(member || other.member, merged);
    }

    /** The paths of this set that are not in {@code other}. */
    public FieldSet difference(FieldSet other) {
        TreeMap<PathElement, FieldSet> left = new TreeMap<>();
        children.forEach((element, child) -> {
            FieldSet theirs = other.children.get(element);
            left.put(element, theirs == null ? child : child.difference(theirs));
        });
        return make(member && !other.member, left);
    }

    /** The paths in both sets. */
    public FieldSet intersection(FieldSet other) {
        TreeMap<PathElement, FieldSet> both = new TreeMap<>();
        children.forEach((element, child) -> {
            FieldSet theirs = other.children.get(element);
            if (theirs != null) {
                both.put(element, child.intersection(theirs));
            }
        });
        return make(member && other.member, both);
    }

    /**
     * The set without the paths under (not at) the members of {@code prefixes}, as upstream's
     * RecursiveDifference is used to drop everything beneath removed atomic or deleted nodes.
     */
    public FieldSet withoutDescendantsOf(FieldSet prefixes) {
        TreeMap<PathElement, FieldSet> left = new TreeMap<>();
        children.forEach((element, child) -> {
            FieldSet theirs = prefixes.children.get(element);
            if (theirs == null) {
                left.put(element, child);
            } else if (theirs.member) {
                left.put(element, make(child.member, Map.of()));
            } else {
                left.put(element, child.withoutDescendantsOf(theirs));
            }
        });
        return make(member, left);
    }

    private static FieldSet make(boolean member, Map<PathElement, FieldSet> children) {
        children.values().removeIf(FieldSet::isEmpty);
        if (!member && children.isEmpty()) {
            return EMPTY;
        }
        return new FieldSet(member, Collections.unmodifiableMap(new TreeMap<>(children)));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FieldSet other && member == other.member && children.equals(other.children);
    }

    @Override
    public int hashCode() {
        return Boolean.hashCode(member) * 31 + children.hashCode();
    }

    /** The set in fieldsV1 JSON. */
    @Override
    public String toString() {
        return FieldsV1.toJson(this);
    }

    /** Paths printed as upstream prints them in conflict messages, e.g. {@code .spec.containers[name="c"].image}. */
    public static String display(List<PathElement> path) {
        StringBuilder out = new StringBuilder();
        path.forEach(element -> out.append(element.display()));
        return out.toString();
    }

    /** Collects paths into a set. */
    static final class Builder {
        private boolean member;
        private final TreeMap<PathElement, Builder> children = new TreeMap<>();

        void insert(List<PathElement> path) {
            Builder node = this;
            for (PathElement element : path) {
                node = node.children.computeIfAbsent(element, e -> new Builder());
            }
            node.member = true;
        }

        Builder descend(PathElement element) {
            return children.computeIfAbsent(element, e -> new Builder());
        }

        void markMember() {
            member = true;
        }

        FieldSet build() {
            TreeMap<PathElement, FieldSet> built = new TreeMap<>();
            children.forEach((element, child) -> built.put(element, child.build()));
            return make(member, built);
        }
    }
}
