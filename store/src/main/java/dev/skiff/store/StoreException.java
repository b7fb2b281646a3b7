package dev.skiff.store;

/** Base of every store failure. Messages are etcd's error strings. */
public class StoreException extends RuntimeException {
    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
