package dev.skiff.store;

/** A read or watch asked for a revision below the compaction point. */
public class CompactedException extends StoreException {
    private final long compactRevision;

    public CompactedException(long compactRevision) {
        super("etcdserver: mvcc: required revision has been compacted");
        this.compactRevision = compactRevision;
    }

    public long compactRevision() {
        return compactRevision;
    }
}
