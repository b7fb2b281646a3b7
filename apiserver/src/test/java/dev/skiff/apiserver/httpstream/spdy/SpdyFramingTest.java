package dev.skiff.apiserver.httpstream.spdy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.codec.spdy.SpdyPingFrame;
import io.netty.handler.codec.spdy.SpdySynStreamFrame;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SpdyFramingTest {
    @Test
    void dataFrameHasSpdy3LayoutWithFinFlag() {
        try (var framing = new SpdyFraming()) {
            byte[] frame = framing.data(3, "hi".getBytes(StandardCharsets.UTF_8), true);
            var buf = ByteBuffer.wrap(frame);
            assertThat(buf.getInt()).as("control bit clear, stream id").isEqualTo(3);
            assertThat(buf.get()).as("flags: FIN").isEqualTo((byte) 1);
            assertThat((buf.get() & 0xff) << 16 | (buf.get() & 0xff) << 8 | buf.get() & 0xff).as("24-bit length").isEqualTo(2);
            assertThat(Arrays.copyOfRange(frame, 8, frame.length)).isEqualTo("hi".getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void synStreamIsAVersion3ControlFrameWithItsStreamId() {
        try (var framing = new SpdyFraming()) {
            var buf = ByteBuffer.wrap(framing.synStream(5, Map.of("streamtype", "stdout")));
            assertThat(buf.getShort() & 0xffff).as("control bit and version 3").isEqualTo(0x8003);
            assertThat(buf.getShort()).as("type SYN_STREAM").isEqualTo((short) 1);
            assertThat(buf.getInt() & 0xffffff).as("length").isEqualTo(buf.remaining());
            assertThat(buf.getInt()).isEqualTo(5);
            assertThat(buf.getInt()).as("associated stream").isZero();
        }
    }

    /** Header blocks share one zlib context per direction: the second block only decodes after the first. */
    @Test
    void headerBlocksDecodeInOrderThroughOneCompressionContext() {
        try (var client = new SpdyFraming(); var server = new SpdyFraming(); var late = new SpdyFraming()) {
            byte[] first = client.synStream(1, Map.of("streamtype", "error"));
            byte[] second = client.synStream(3, Map.of("streamtype", "stdin"));
            var frames = server.decode(concat(first, second));
            assertThat(frames).hasSize(2).allMatch(SpdySynStreamFrame.class::isInstance);
            assertThat(((SpdySynStreamFrame) frames.get(0)).headers().get("streamtype")).isEqualTo("error");
            assertThat(((SpdySynStreamFrame) frames.get(1)).headers().get("streamtype")).isEqualTo("stdin");
            assertThat(((SpdySynStreamFrame) frames.get(1)).streamId()).isEqualTo(3);
            assertThatThrownBy(() -> late.decode(second)).as("without the first block's zlib state")
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("header block");
        }
    }

    @Test
    void framesSplitAcrossReadsComeOutWhole() {
        try (var kubelet = new SpdyFraming(); var client = new SpdyFraming()) {
            byte[] frames = concat(kubelet.data(7, "partial output".getBytes(StandardCharsets.UTF_8), false), kubelet.ping(2));
            assertThat(client.decode(Arrays.copyOfRange(frames, 0, 5))).isEmpty();
            var decoded = client.decode(Arrays.copyOfRange(frames, 5, frames.length));
            assertThat(decoded).hasSize(2);
            // Netty hands a data frame over as it arrives; the payload's bytes are all there, in order
            var data = (SpdyFraming.SpdyData) decoded.get(0);
            assertThat(data.streamId()).isEqualTo(7);
            assertThat(new String(data.payload(), StandardCharsets.UTF_8)).isEqualTo("partial output");
            assertThat(data.last()).isFalse();
            assertThat(((SpdyPingFrame) decoded.get(1)).id()).isEqualTo(2);
        }
    }

    @Test
    void bytesThatAreNotSpdy3AreRefused() {
        try (var client = new SpdyFraming()) {
            // a control frame of version 2
            assertThatThrownBy(() -> client.decode(new byte[] {(byte) 0x80, 2, 0, 1, 0, 0, 0, 10, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0}))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("not SPDY/3.1");
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
