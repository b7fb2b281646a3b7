package dev.skiff.apiserver.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.DelegatingSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.spi.tls.SslContextFactory;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;

/**
 * The server's plaintext handshake flight sent one handshake message per TLS record, as Go's
 * crypto/tls and OpenSSL send it. JSSE packs ServerHello, Certificate, ServerKeyExchange,
 * CertificateRequest and ServerHelloDone into one record, which RFC 5246 allows but busybox wget's
 * TLS does not read (it takes each record for one message and waits for the next one forever).
 * Only records before the first ChangeCipherSpec (or encrypted record) are re-framed: the messages,
 * and so the handshake transcript, stay byte for byte the same.
 */
public final class HandshakeRecords {
    static final int CHANGE_CIPHER_SPEC = 20;
    static final int HANDSHAKE = 22;
    static final int APPLICATION_DATA = 23;
    private static final int RECORD_HEADER = 5;
    private static final int MESSAGE_HEADER = 4;

    private HandshakeRecords() {
    }

    /** JSSE (as Vert.x's default) with the server's handshake records split per message. */
    public static JdkSSLEngineOptions engineOptions() {
        return new SplittingEngineOptions();
    }

    /**
     * {@code records} (whole TLS records as an SSL engine writes them) with every handshake record
     * before the first ChangeCipherSpec or application-data record split into one record per
     * message; {@link Split#done()} when such a record was seen (nothing later needs splitting).
     * A record holding part of a message (a fragmented large message) or an incomplete record is
     * left as it is.
     */
    static Split split(byte[] records) {
        var out = new ByteArrayOutputStream(records.length + 64);
        int at = 0;
        boolean changed = false;
        while (at < records.length) {
            if (records.length - at < RECORD_HEADER) {
                out.write(records, at, records.length - at);
                return new Split(changed ? out.toByteArray() : records, true);
            }
            int type = records[at] & 0xff;
            int length = ((records[at + 3] & 0xff) << 8) | (records[at + 4] & 0xff);
            int end = at + RECORD_HEADER + length;
            if (end > records.length || type == CHANGE_CIPHER_SPEC || type == APPLICATION_DATA) {
                out.write(records, at, records.length - at);
                return new Split(changed ? out.toByteArray() : records, true);
            }
            List<int[]> messages = type == HANDSHAKE ? messages(records, at + RECORD_HEADER, end) : List.of();
            if (messages.size() > 1) {
                for (int[] message : messages) {
                    int size = message[1] - message[0];
                    out.write(records, at, 3); // type and version as the original record
                    out.write(size >> 8);
                    out.write(size & 0xff);
                    out.write(records, message[0], size);
                }
                changed = true;
            } else {
                out.write(records, at, end - at);
            }
            at = end;
        }
        return new Split(changed ? out.toByteArray() : records, false);
    }

    /** The [start, end) of each handshake message in a record's payload; empty when they do not exactly fill it. */
    private static List<int[]> messages(byte[] b, int from, int to) {
        var messages = new java.util.ArrayList<int[]>();
        int at = from;
        while (at < to) {
            if (to - at < MESSAGE_HEADER) {
                return List.of();
            }
            int length = ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
            int end = at + MESSAGE_HEADER + length;
            if (end > to) {
                return List.of();
            }
            messages.add(new int[] {at, end});
            at = end;
        }
        return messages;
    }

    record Split(byte[] records, boolean done) {
    }

    /** Between the SslHandler and the socket: re-frames what the handler writes until the handshake is encrypted, then leaves. */
    static final class Splitter extends ChannelOutboundHandlerAdapter {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (!(msg instanceof ByteBuf buf)) {
                ctx.write(msg, promise);
                return;
            }
            byte[] bytes = new byte[buf.readableBytes()];
            buf.getBytes(buf.readerIndex(), bytes);
            Split split = split(bytes);
            if (split.records() != bytes) {
                buf.release();
                ctx.write(ctx.alloc().buffer(split.records().length).writeBytes(split.records()), promise);
            } else {
                ctx.write(buf, promise);
            }
            if (split.done()) {
                ctx.pipeline().remove(this);
            }
        }
    }

    /** Netty's SslHandler with a {@link Splitter} put right before it in the pipeline. */
    static final class SplittingSslHandler extends SslHandler {
        SplittingSslHandler(SSLEngine engine, boolean startTls, Executor executor) {
            super(engine, startTls, executor);
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
            ctx.pipeline().addBefore(ctx.name(), null, new Splitter());
            super.handlerAdded(ctx);
        }
    }

    /** The SSL context Vert.x made, handing out {@link SplittingSslHandler}s (Vert.x asks for handlers with an executor). */
    static final class SplittingSslContext extends DelegatingSslContext {
        SplittingSslContext(SslContext context) {
            super(context);
        }

        @Override
        protected void initEngine(SSLEngine engine) {
        }

        @Override
        protected SslHandler newHandler(ByteBufAllocator alloc, boolean startTls, Executor executor) {
            return new SplittingSslHandler(newEngine(alloc), startTls, executor);
        }

        @Override
        protected SslHandler newHandler(ByteBufAllocator alloc, String peerHost, int peerPort, boolean startTls, Executor executor) {
            return new SplittingSslHandler(newEngine(alloc, peerHost, peerPort), startTls, executor);
        }
    }

    private static final class SplittingEngineOptions extends JdkSSLEngineOptions {
        SplittingEngineOptions() {
        }

        SplittingEngineOptions(SplittingEngineOptions other) {
            super(other);
        }

        @Override
        public JdkSSLEngineOptions copy() {
            return new SplittingEngineOptions(this);
        }

        @Override
        public SslContextFactory sslContextFactory() {
            SslContextFactory jdk = super.sslContextFactory();
            return new SslContextFactory() {
                @Override
                public SslContextFactory useAlpn(boolean useAlpn) {
                    jdk.useAlpn(useAlpn);
                    return this;
                }

                @Override
                public SslContextFactory forServer(ClientAuth clientAuth) {
                    jdk.forServer(clientAuth);
                    return this;
                }

                @Override
                public SslContextFactory forClient(SNIServerName serverName, String endpointIdentificationAlgorithm) {
                    jdk.forClient(serverName, endpointIdentificationAlgorithm);
                    return this;
                }

                @Override
                public SslContextFactory enabledProtocols(Set<String> protocols) {
                    jdk.enabledProtocols(protocols);
                    return this;
                }

                @Override
                public SslContextFactory keyMananagerFactory(KeyManagerFactory factory) {
                    jdk.keyMananagerFactory(factory);
                    return this;
                }

                @Override
                public SslContextFactory trustManagerFactory(TrustManagerFactory factory) {
                    jdk.trustManagerFactory(factory);
                    return this;
                }

                @Override
                public SslContextFactory enabledCipherSuites(Set<String> cipherSuites) {
                    jdk.enabledCipherSuites(cipherSuites);
                    return this;
                }

                @Override
                public SslContextFactory applicationProtocols(List<String> protocols) {
                    jdk.applicationProtocols(protocols);
                    return this;
                }

                @Override
                public SslContext create() throws SSLException {
                    return new SplittingSslContext(jdk.create());
                }
            };
        }
    }
}
