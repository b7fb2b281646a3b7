package dev.skiff.store;

/** The backend cannot serve requests (closed, unreachable, or its data cannot be opened). */
public class UnavailableException extends StoreException {
    public UnavailableException(String message) {
        super(message);
    }

    public UnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
