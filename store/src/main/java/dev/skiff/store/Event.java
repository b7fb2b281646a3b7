package dev.skiff.store;

/**
 * One change seen by a watch. For a DELETE, {@code kv} holds the key with an empty value and
 * {@code modRevision} the deletion's revision (as etcd's tombstone). {@code prevKv} is null
 * unless the watch asked for it and a previous version existed.
 */
public record Event(Type type, KeyValue kv, KeyValue prevKv) {
    public enum Type { PUT, DELETE }
}
