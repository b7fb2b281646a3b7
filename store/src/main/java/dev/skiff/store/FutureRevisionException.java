package dev.skiff.store;

public class FutureRevisionException extends StoreException {
    public FutureRevisionException() {
        super("etcdserver: mvcc: required revision is a future revision");
    }
}
