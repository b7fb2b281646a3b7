package dev.skiff.agent.cri;

import dev.skiff.agent.cri.v1.ImageServiceGrpc;
import dev.skiff.agent.cri.v1.RuntimeServiceGrpc;
import dev.skiff.agent.cri.v1.VersionRequest;
import dev.skiff.agent.cri.v1.VersionResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A CRI v1 client on a runtime's unix socket (upstream: the kubelet's remote runtime and image
 * services). Each call gets its own deadline so a hung runtime surfaces as DEADLINE_EXCEEDED
 * instead of a stuck agent.
 */
public final class RemoteRuntime implements AutoCloseable {
    /** The CRI API version the agent speaks, sent in Version requests. */
    public static final String API_VERSION = "v1";

    private final Path socket;
    private final EpollEventLoopGroup loop;
    private final ManagedChannel channel;
    private final Duration timeout;

    private RemoteRuntime(Path socket, Duration timeout) {
        this.socket = socket;
        this.timeout = timeout;
        this.loop = new EpollEventLoopGroup(1);
        this.channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .eventLoopGroup(loop)
                .channelType(EpollDomainSocketChannel.class)
                .usePlaintext()
                // CRI lists and exec output can exceed grpc's 4 MiB default (ExecSync caps at 16 MiB per stream)
                .maxInboundMessageSize(64 * 1024 * 1024)
                .build();
    }

    /**
     * Connects to a CRI endpoint: a socket path or a {@code unix://} URL as kubelet's
     * {@code --container-runtime-endpoint} takes it.
     */
    public static RemoteRuntime connect(String endpoint, Duration timeout) {
        String path = endpoint.startsWith("unix://") ? endpoint.substring("unix://".length()) : endpoint;
        if (path.isEmpty() || endpoint.contains("://") && !endpoint.startsWith("unix://")) {
            throw new IllegalArgumentException("container runtime endpoint must be a unix socket path or unix:// URL, got " + endpoint);
        }
        return new RemoteRuntime(Path.of(path), timeout);
    }

    public Path socket() {
        return socket;
    }

    /** The RuntimeService, with this client's per-call deadline. */
    public RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime() {
        return RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The RuntimeService with a longer deadline, for calls that wait (stop with a grace period, exec). */
    public RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime(Duration callTimeout) {
        return RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The ImageService, with this client's per-call deadline. */
    public ImageServiceGrpc.ImageServiceBlockingStub images() {
        return ImageServiceGrpc.newBlockingStub(channel).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public VersionResponse version() {
        return runtime().version(VersionRequest.newBuilder().setVersion(API_VERSION).build());
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
