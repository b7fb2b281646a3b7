package dev.skiff.store;

/** What etcd's Maintenance.Status reports that applies to a store. */
public record StoreStatus(String version, long revision, long compactRevision, long dbSizeBytes) {
}
