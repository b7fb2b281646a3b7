package dev.skiff.store;

public class RequestTooLargeException extends StoreException {
    public RequestTooLargeException() {
        super("etcdserver: request is too large");
    }
}
