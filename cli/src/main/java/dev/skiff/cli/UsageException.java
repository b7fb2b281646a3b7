package dev.skiff.cli;

/** A flag value that parsed but makes no sense (a port out of range, a URL without a host). */
public final class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
