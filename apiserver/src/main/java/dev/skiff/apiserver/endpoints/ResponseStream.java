package dev.skiff.apiserver.endpoints;

/** A response body sent in pieces. {@link #write} blocks while the client is slow (backpressure). */
public interface ResponseStream extends AutoCloseable {
    /** Sends a piece; false once the client has gone (then stop producing). */
    boolean write(byte[] chunk);

    /**
     * Sends pieces that are each a message of their own (watch events): one write of them all on a
     * chunked body, one message per piece on a WebSocket.
     */
    default boolean writeMessages(java.util.List<byte[]> messages) {
        var all = new java.io.ByteArrayOutputStream();
        messages.forEach(all::writeBytes);
        return write(all.toByteArray());
    }

    /** False once the client has gone, so an idle producer (a quiet watch) can stop without writing. */
    default boolean open() {
        return true;
    }

    /** Ends the response. */
    @Override
    void close();
}
