package dev.skiff.store.etcdserver;

import dev.skiff.store.Store;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An etcd v3 gRPC endpoint (KV, Watch, Lease, Maintenance, Cluster.MemberList) serving a
 * {@link Store}, so etcd clients (etcdctl, jetcd, kube-apiserver) can use it as a single-member
 * etcd. Handlers run on virtual threads and call the blocking store directly.
 */
public final class EtcdServer implements AutoCloseable {
    /** etcd's allowance on top of --max-request-bytes for gRPC framing. */
    private static final int GRPC_OVERHEAD_BYTES = 512 * 1024;

    private final Server server;
    private final ExecutorService executor;

    private EtcdServer(Server server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    public static EtcdServer start(Store store, EtcdServerConfig config) {
        return start(store, config, null);
    }

    /** As {@link #start(Store, EtcdServerConfig)}, serving Maintenance.Snapshot from {@code snapshots} (may be null). */
    public static EtcdServer start(Store store, EtcdServerConfig config, SnapshotSource snapshots) {
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(config, "config");
        InetSocketAddress listen = Objects.requireNonNull(config.listen(), "config.listen");
        int maxRequestBytes = config.effectiveMaxRequestBytes();
        Headers headers = new Headers(store);
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        String host = listen.getAddress() == null ? listen.getHostString() : listen.getAddress().getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        // the member's advertised URL needs the bound port, known only once listening
        AtomicReference<String> url = new AtomicReference<>();
        KvService kv = new KvService(store, headers, maxRequestBytes);
        // Calls start on the event loop (method lookup only); every call then moves to a virtual
        // thread, except writes that never block (KvService.nonBlocking): those stay on the event
        // loop and are answered by the store's writer, saving two thread hand-offs per write.
        var builder = NettyServerBuilder.forAddress(listen)
                .directExecutor()
                .callExecutor(new ServerCallExecutorSupplier() {
                    @Override
                    public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata metadata) {
                        return kv.nonBlocking(call.getMethodDescriptor().getFullMethodName()) ? null : executor;
                    }
                })
                .maxInboundMessageSize(maxRequestBytes + GRPC_OVERHEAD_BYTES)
                .permitKeepAliveTime(5, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true)
                .addService(kv)
                .addService(new WatchService(store, headers))
                .addService(new LeaseService(store, headers).definition())
                .addService(new MaintenanceService(store, headers, snapshots))
                .addService(new ClusterService(headers, () -> url.get()));
        Server server;
        try {
            server = builder.build().start();
        } catch (IOException e) {
            executor.shutdownNow();
            throw new UncheckedIOException("cannot listen on " + listen, e);
        }
        url.set("http://" + host + ":" + server.getPort());
        return new EtcdServer(server, executor);
    }

    public int port() {
        return server.getPort();
    }

    /**
     * Stops listening and ends every call: unary calls get a short grace period, long-lived
     * watch and keep-alive streams are cancelled (which closes their store watches).
     */
    @Override
    public void close() {
        server.shutdown();
        try {
            if (!server.awaitTermination(300, TimeUnit.MILLISECONDS)) {
                server.shutdownNow();
                server.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
        executor.shutdownNow();
    }
}
