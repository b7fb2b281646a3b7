package dev.skiff.store;

/** A malformed request, e.g. "etcdserver: key is not provided". */
public class InvalidArgumentException extends StoreException {
    public InvalidArgumentException(String message) {
        super(message);
    }
}
