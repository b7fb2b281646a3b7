package dev.skiff.apiserver.httpstream.spdy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.spdy.DefaultSpdyDataFrame;
import io.netty.handler.codec.spdy.DefaultSpdyPingFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynStreamFrame;
import io.netty.handler.codec.spdy.SpdyFrame;
import io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.netty.handler.codec.spdy.SpdyVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One SPDY/3.1 connection's framing, both directions (the part of moby/spdystream's framer that the
 * API server needs as a client): frames to bytes and bytes to frames, with the connection-wide
 * zlib contexts (SPDY's dictionary) for header blocks that SPDY requires. Netty's SPDY codec does the
 * byte work; it runs here in an {@link EmbeddedChannel}, so no Netty pipeline of the real connection
 * is touched. Not thread-safe: one owner (the connection's event loop) calls it.
 */
public final class SpdyFraming implements AutoCloseable {
    private final EmbeddedChannel codec = new EmbeddedChannel(new SpdyFrameCodec(SpdyVersion.SPDY_3_1));

    /** A SYN_STREAM opening stream {@code id} (odd: a client's) with these headers (names lowercase, as SPDY requires). */
    public byte[] synStream(int id, Map<String, String> headers) {
        var frame = new DefaultSpdySynStreamFrame(id, 0, (byte) 0);
        headers.forEach((name, value) -> frame.headers().add(name, value));
        return encode(frame);
    }

    /** A DATA frame; {@code last} half-closes the stream (FLAG_FIN). */
    public byte[] data(int id, byte[] payload, boolean last) {
        var frame = new DefaultSpdyDataFrame(id, Unpooled.wrappedBuffer(payload));
        frame.setLast(last);
        return encode(frame);
    }

    /** The answer to the peer's PING: the same id back. */
    public byte[] ping(int id) {
        return encode(new DefaultSpdyPingFrame(id));
    }

    private byte[] encode(SpdyFrame frame) {
        codec.writeOutbound(frame);
        var out = new java.io.ByteArrayOutputStream();
        for (ByteBuf buf = codec.readOutbound(); buf != null; buf = codec.readOutbound()) {
            try {
                byte[] bytes = new byte[buf.readableBytes()];
                buf.readBytes(bytes);
                out.writeBytes(bytes);
            } finally {
                buf.release();
            }
        }
        return out.toByteArray();
    }

    /**
     * The frames complete in what has arrived so far (a partial frame waits for the next bytes). Data
     * frames come as {@link SpdyData} with their payload copied out, others as Netty's frame values.
     *
     * @throws IllegalArgumentException when the bytes are not SPDY/3.1
     */
    public List<Object> decode(byte[] bytes) {
        try {
            codec.writeInbound(Unpooled.wrappedBuffer(bytes));
            codec.checkException();
        } catch (Exception e) { // Netty rethrows its checked SpdyProtocolException undeclared
            throw new IllegalArgumentException("not SPDY/3.1: " + e.getMessage(), e);
        }
        var frames = new ArrayList<Object>();
        for (Object frame = codec.readInbound(); frame != null; frame = codec.readInbound()) {
            if (frame instanceof io.netty.handler.codec.spdy.SpdyDataFrame data) {
                try {
                    byte[] payload = new byte[data.content().readableBytes()];
                    data.content().readBytes(payload);
                    frames.add(new SpdyData(data.streamId(), payload, data.isLast()));
                } finally {
                    data.release();
                }
            } else {
                frames.add(frame);
            }
        }
        return frames;
    }

    @Override
    public void close() {
        codec.finishAndReleaseAll();
    }

    /** A DATA frame's payload; {@code last}: the sender half-closed the stream. */
    public record SpdyData(int streamId, byte[] payload, boolean last) {
    }
}
