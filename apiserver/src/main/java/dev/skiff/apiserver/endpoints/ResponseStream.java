package dev.skiff.apiserver.endpoints;

/** A response body sent in pieces. {@link #write} blocks while the client is slow (backpressure). */
public interface ResponseStream extends AutoCloseable {
    /** Sends a piece; false once the client has gone (then stop producing). */
    boolean write(byte[] chunk);

    /** Ends the response. */
    @Override
    void close();
}
