package dev.skiff.store.etcd;

import dev.skiff.store.etcdapi.LeaseLeases;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.UnknownFieldSet;
import dev.skiff.store.CompactedException;
import dev.skiff.store.Compare;
import dev.skiff.store.DeleteRangeRequest;
import dev.skiff.store.DeleteRangeResponse;
import dev.skiff.store.Event;
import dev.skiff.store.FutureRevisionException;
import dev.skiff.store.InvalidArgumentException;
import dev.skiff.store.KeyValue;
import dev.skiff.store.Lease;
import dev.skiff.store.LeaseNotFoundException;
import dev.skiff.store.Op;
import dev.skiff.store.OpResponse;
import dev.skiff.store.PutRequest;
import dev.skiff.store.PutResponse;
import dev.skiff.store.RangeRequest;
import dev.skiff.store.RangeResponse;
import dev.skiff.store.RequestTooLargeException;
import dev.skiff.store.Store;
import dev.skiff.store.StoreException;
import dev.skiff.store.StoreStatus;
import dev.skiff.store.TxnRequest;
import dev.skiff.store.TxnResponse;
import dev.skiff.store.UnavailableException;
import dev.skiff.store.Watch;
import dev.skiff.store.WatchListener;
import dev.skiff.store.WatchRequest;
import io.etcd.jetcd.api.CompactionRequest;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseGrantResponse;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.LeaseKeepAliveRequest;
import io.etcd.jetcd.api.LeaseKeepAliveResponse;
import io.etcd.jetcd.api.LeaseRevokeRequest;
import io.etcd.jetcd.api.LeaseTimeToLiveRequest;
import io.etcd.jetcd.api.LeaseTimeToLiveResponse;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.ResponseOp;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.api.StatusResponse;
import io.grpc.CallOptions;
import io.grpc.EquivalentAddressGroup;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.NameResolver;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The {@link Store} SPI over a real etcd v3 cluster, speaking etcd's gRPC API directly through the
 * generated stubs of jetcd-grpc (grpc-java over the shaded Netty transport). jetcd-core's
 * high-level client is not used: it hides sort targets, nested transactions and progress
 * requests, and its Vert.x transport is not needed.
 *
 * <p>All calls block; the channel's callbacks run on virtual threads.
 */
public final class EtcdStore implements Store {

    private final EtcdStoreConfig config;
    private final ManagedChannel channel;
    private final ExecutorService executor;
    private volatile boolean closed;

    private EtcdStore(EtcdStoreConfig config, ManagedChannel channel, ExecutorService executor) {
        this.config = config;
        this.channel = channel;
        this.executor = executor;
    }

    /** Opens a channel to the endpoints (connecting lazily); requests fail over between them in order. */
    public static EtcdStore connect(EtcdStoreConfig config) {
        List<EquivalentAddressGroup> addresses = new ArrayList<>();
        for (URI uri : config.endpoints()) {
            addresses.add(new EquivalentAddressGroup(new InetSocketAddress(uri.getHost(), uri.getPort())));
        }
        ExecutorService executor = Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("etcd-store-", 0).factory());
        @SuppressWarnings("deprecation") // the per-channel factory is the simplest way to pin a static address list
        ManagedChannel channel = NettyChannelBuilder.forTarget(StaticResolverFactory.SCHEME + ":///etcd")
                .nameResolverFactory(new StaticResolverFactory(addresses))
                .defaultLoadBalancingPolicy("pick_first")
                .usePlaintext()
                .executor(executor)
                .maxInboundMessageSize(512 * 1024 * 1024)
                .keepAliveTime(30, TimeUnit.SECONDS)
                .keepAliveTimeout(10, TimeUnit.SECONDS)
                .build();
        return new EtcdStore(config, channel, executor);
    }

    public EtcdStoreConfig config() {
        return config;
    }

    // ------------------------------------------------------------------ KV

    @Override
    public RangeResponse range(RangeRequest request) {
        return call(() -> fromProto(kv().range(toProto(request))));
    }

    @Override
    public PutResponse put(PutRequest request) {
        return call(() -> fromProto(kv().put(toProto(request))));
    }

    @Override
    public DeleteRangeResponse deleteRange(DeleteRangeRequest request) {
        return call(() -> fromProto(kv().deleteRange(toProto(request))));
    }

    @Override
    public TxnResponse txn(TxnRequest request) {
        return call(() -> fromProto(kv().txn(toProto(request))));
    }

    @Override
    public void compact(long revision) {
        call(() -> kv().compact(CompactionRequest.newBuilder().setRevision(revision).build()));
    }

    // ------------------------------------------------------------------ watch

    @Override
    public Watch watch(WatchRequest request, WatchListener listener) {
        ensureOpen();
        EtcdWatch watch = new EtcdWatch(this, request, listener);
        watch.start();
        return watch;
    }

    /** A stub for watch streams; {@code waitForReady} queues the stream until a member is reachable. */
    io.etcd.jetcd.api.WatchGrpc.WatchStub watchStub(boolean waitForReady) {
        var stub = io.etcd.jetcd.api.WatchGrpc.newStub(channel);
        return waitForReady ? stub.withWaitForReady() : stub;
    }

    boolean isClosed() {
        return closed;
    }

    Duration requestTimeout() {
        return config.requestTimeout();
    }

    // ------------------------------------------------------------------ leases

    @Override
    public Lease leaseGrant(long id, long ttlSeconds) {
        LeaseGrantResponse r = call(() -> lease().leaseGrant(
                LeaseGrantRequest.newBuilder().setID(id).setTTL(ttlSeconds).build()));
        if (!r.getError().isEmpty()) {
            throw new StoreException(r.getError());
        }
        return new Lease(r.getID(), r.getTTL(), r.getTTL(), List.of());
    }

    @Override
    public void leaseRevoke(long id) {
        call(() -> lease().leaseRevoke(LeaseRevokeRequest.newBuilder().setID(id).build()));
    }

    @Override
    public long leaseKeepAlive(long id) {
        ensureOpen();
        CompletableFuture<LeaseKeepAliveResponse> answer = new CompletableFuture<>();
        StreamObserver<LeaseKeepAliveRequest> requests = LeaseGrpc.newStub(channel)
                .withWaitForReady()
                .withDeadlineAfter(config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .leaseKeepAlive(new StreamObserver<>() {
                    @Override
                    public void onNext(LeaseKeepAliveResponse value) {
                        answer.complete(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        answer.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        answer.completeExceptionally(
                                Status.UNAVAILABLE.withDescription("keepalive stream ended without an answer")
                                        .asRuntimeException());
                    }
                });
        requests.onNext(LeaseKeepAliveRequest.newBuilder().setID(id).build());
        LeaseKeepAliveResponse r;
        try {
            r = await(answer);
        } finally {
            requests.onCompleted();
        }
        if (r.getTTL() <= 0) {
            throw new LeaseNotFoundException();
        }
        return r.getTTL();
    }

    @Override
    public Lease leaseTimeToLive(long id, boolean withKeys) {
        LeaseTimeToLiveResponse r = call(() -> lease().leaseTimeToLive(
                LeaseTimeToLiveRequest.newBuilder().setID(id).setKeys(withKeys).build()));
        if (r.getTTL() == -1) { // etcd answers an unknown lease with TTL -1 rather than an error
            throw new LeaseNotFoundException();
        }
        return new Lease(r.getID(), r.getTTL(), r.getGrantedTTL(), List.copyOf(r.getKeysList()));
    }

    @Override
    public List<Long> leases() {
        byte[] response = call(() -> ClientCalls.blockingUnaryCall(channel, LeaseLeases.METHOD,
                CallOptions.DEFAULT.withWaitForReady()
                        .withDeadlineAfter(config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS),
                new byte[0]));
        try {
            return LeaseLeases.decodeIds(response);
        } catch (IOException e) {
            throw new StoreException("cannot parse LeaseLeasesResponse", e);
        }
    }

    // ------------------------------------------------------------------ maintenance

    @Override
    public StoreStatus status() {
        StatusResponse r = call(() -> MaintenanceGrpc.newBlockingStub(channel).withWaitForReady()
                .withDeadlineAfter(config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .status(StatusRequest.getDefaultInstance()));
        return new StoreStatus(r.getVersion(), r.getHeader().getRevision(), compactRevision(r.getHeader().getRevision()),
                r.getDbSize());
    }

    /**
     * Streams Maintenance.Snapshot to {@code out}: etcd's own database file from a real etcd, the
     * embedded engine's snapshot from skiff's endpoint. Both end with the SHA-256 of what precedes it.
     */
    public void snapshot(java.io.OutputStream out) {
        call(() -> {
            var chunks = MaintenanceGrpc.newBlockingStub(channel).withWaitForReady()
                    .snapshot(io.etcd.jetcd.api.SnapshotRequest.getDefaultInstance());
            try {
                while (chunks.hasNext()) {
                    chunks.next().getBlob().writeTo(out);
                }
                out.flush();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return null;
        });
    }

    /**
     * etcd 3.4 reports its compaction point nowhere but in a watch's cancellation, so it is found by
     * bisecting over revisions: a read at revision r fails iff r is below the compaction revision.
     * Returns 0 when nothing was compacted.
     */
    private volatile long knownCompactRevision;

    private long compactRevision(long current) {
        // compaction only moves forward: if the last point found is still readable, it is still the
        // point (one read instead of a bisection on every status(), which readyz probes call)
        long known = knownCompactRevision;
        if (readable(Math.max(known, 1))) {
            return known;
        }
        long lo = Math.max(known, 1); // not readable
        long hi = Math.max(current, 1); // the current revision is always readable
        while (hi - lo > 1) {
            long mid = lo + (hi - lo) / 2;
            if (readable(mid)) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        knownCompactRevision = hi;
        return hi;
    }

    private boolean readable(long revision) {
        try {
            kv().range(io.etcd.jetcd.api.RangeRequest.newBuilder()
                    .setKey(ByteString.copyFrom(new byte[] {0})).setRevision(revision).setCountOnly(true).build());
            return true;
        } catch (StatusRuntimeException e) {
            if (COMPACTED.equals(e.getStatus().getDescription())) {
                return false;
            }
            throw e;
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        executor.close();
    }

    // ------------------------------------------------------------------ plumbing

    private KVGrpc.KVBlockingStub kv() {
        return KVGrpc.newBlockingStub(channel).withWaitForReady()
                .withDeadlineAfter(config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    private LeaseGrpc.LeaseBlockingStub lease() {
        return LeaseGrpc.newBlockingStub(channel).withWaitForReady()
                .withDeadlineAfter(config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void ensureOpen() {
        if (closed) {
            throw new UnavailableException("store is closed");
        }
    }

    private <T> T call(java.util.function.Supplier<T> rpc) {
        ensureOpen();
        try {
            return rpc.get();
        } catch (StatusRuntimeException e) {
            throw translate(e);
        }
    }

    private <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(config.requestTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StatusRuntimeException s) {
                throw translate(s);
            }
            throw new StoreException(String.valueOf(e.getCause().getMessage()), e.getCause());
        } catch (TimeoutException e) {
            throw new UnavailableException("etcdserver: request timed out", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnavailableException("interrupted", e);
        }
    }

    static final String COMPACTED = "etcdserver: mvcc: required revision has been compacted";
    static final String FUTURE_REV = "etcdserver: mvcc: required revision is a future revision";
    static final String LEASE_NOT_FOUND = "etcdserver: requested lease not found";
    static final String TOO_LARGE = "etcdserver: request is too large";

    /** Maps a gRPC failure to the SPI exception carrying etcd's message. */
    StoreException translate(StatusRuntimeException e) {
        Status status = e.getStatus();
        String message = status.getDescription() == null ? status.getCode().toString() : status.getDescription();
        if (message.equals(COMPACTED)) {
            long compactRevision = 0;
            try {
                compactRevision = compactRevision(currentRevision());
            } catch (RuntimeException ignored) {
                // best effort: 0 means unknown
            }
            CompactedException c = new CompactedException(compactRevision);
            c.initCause(e);
            return c;
        }
        if (message.equals(FUTURE_REV)) {
            return withCause(new FutureRevisionException(), e);
        }
        if (message.equals(LEASE_NOT_FOUND)) {
            return withCause(new LeaseNotFoundException(), e);
        }
        if (message.equals(TOO_LARGE)
                || (status.getCode() == Status.Code.RESOURCE_EXHAUSTED && (message.contains("larger than max")
                        || message.startsWith("gRPC message exceeds maximum size")))) {
            // above --max-request-bytes etcd answers "request is too large"; a message above its gRPC
            // receive limit (max-request-bytes + 512 KiB) is refused by gRPC before etcd sees it, with
            // grpc-go's text from etcd and grpc-java's text from skiff's own endpoint (same code)
            return withCause(new RequestTooLargeException(), e);
        }
        if (status.getCode() == Status.Code.UNKNOWN && status.getCause() instanceof java.io.IOException) {
            // grpc-java reports a connection that broke under a call (the member went away) as UNKNOWN with the
            // transport's IOException, e.g. "channel closed": the request may not have reached etcd, as for UNAVAILABLE
            return new UnavailableException("etcd at " + config.endpoints() + " is unavailable: " + message, e);
        }
        return switch (status.getCode()) {
            case INVALID_ARGUMENT -> withCause(new InvalidArgumentException(message), e);
            case UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED -> new UnavailableException(
                    message.startsWith("etcdserver:") ? message
                            : "etcd at " + config.endpoints() + " is unavailable: " + transportReason(status), e);
            default -> new StoreException(message, e);
        };
    }

    /** A short reason for a failure of the connection itself (grpc-java's own text is a dump of its state). */
    private String transportReason(Status status) {
        String description = String.valueOf(status.getDescription());
        if (description.contains("Connection refused")) {
            return "connection refused";
        }
        if (status.getCode() == Status.Code.DEADLINE_EXCEEDED) {
            return "no answer within " + config.requestTimeout().toSeconds() + " s";
        }
        Throwable root = status.getCause();
        while (root != null && root.getCause() != null) {
            root = root.getCause();
        }
        return root != null && root.getMessage() != null ? root.getMessage() : status.getCode().toString().toLowerCase();
    }

    private long currentRevision() {
        return kv().range(io.etcd.jetcd.api.RangeRequest.newBuilder()
                .setKey(ByteString.copyFrom(new byte[] {0})).setCountOnly(true).build()).getHeader().getRevision();
    }

    private static <E extends StoreException> E withCause(E e, Throwable cause) {
        e.initCause(cause);
        return e;
    }

    // ------------------------------------------------------------------ conversions

    static io.etcd.jetcd.api.RangeRequest toProto(RangeRequest r) {
        return io.etcd.jetcd.api.RangeRequest.newBuilder()
                .setKey(r.key())
                .setRangeEnd(r.rangeEnd())
                .setLimit(r.limit())
                .setRevision(r.revision())
                .setSortOrder(switch (r.sortOrder()) {
                    case NONE -> io.etcd.jetcd.api.RangeRequest.SortOrder.NONE;
                    case ASCEND -> io.etcd.jetcd.api.RangeRequest.SortOrder.ASCEND;
                    case DESCEND -> io.etcd.jetcd.api.RangeRequest.SortOrder.DESCEND;
                })
                .setSortTarget(switch (r.sortTarget()) {
                    case KEY -> io.etcd.jetcd.api.RangeRequest.SortTarget.KEY;
                    case VERSION -> io.etcd.jetcd.api.RangeRequest.SortTarget.VERSION;
                    case CREATE -> io.etcd.jetcd.api.RangeRequest.SortTarget.CREATE;
                    case MOD -> io.etcd.jetcd.api.RangeRequest.SortTarget.MOD;
                    case VALUE -> io.etcd.jetcd.api.RangeRequest.SortTarget.VALUE;
                })
                .setKeysOnly(r.keysOnly())
                .setCountOnly(r.countOnly())
                .setMinModRevision(r.minModRevision())
                .setMaxModRevision(r.maxModRevision())
                .setMinCreateRevision(r.minCreateRevision())
                .setMaxCreateRevision(r.maxCreateRevision())
                .build();
    }

    static io.etcd.jetcd.api.PutRequest toProto(PutRequest r) {
        return io.etcd.jetcd.api.PutRequest.newBuilder()
                .setKey(r.key())
                .setValue(r.value())
                .setLease(r.lease())
                .setPrevKv(r.prevKv())
                .setIgnoreValue(r.ignoreValue())
                .setIgnoreLease(r.ignoreLease())
                .build();
    }

    static io.etcd.jetcd.api.DeleteRangeRequest toProto(DeleteRangeRequest r) {
        return io.etcd.jetcd.api.DeleteRangeRequest.newBuilder()
                .setKey(r.key())
                .setRangeEnd(r.rangeEnd())
                .setPrevKv(r.prevKv())
                .build();
    }

    static io.etcd.jetcd.api.TxnRequest toProto(TxnRequest r) {
        var b = io.etcd.jetcd.api.TxnRequest.newBuilder();
        for (Compare c : r.compare()) {
            b.addCompare(toProto(c));
        }
        for (Op op : r.success()) {
            b.addSuccess(toProto(op));
        }
        for (Op op : r.failure()) {
            b.addFailure(toProto(op));
        }
        return b.build();
    }

    static RequestOp toProto(Op op) {
        return switch (op) {
            case RangeRequest r -> RequestOp.newBuilder().setRequestRange(toProto(r)).build();
            case PutRequest p -> RequestOp.newBuilder().setRequestPut(toProto(p)).build();
            case DeleteRangeRequest d -> RequestOp.newBuilder().setRequestDeleteRange(toProto(d)).build();
            case TxnRequest t -> RequestOp.newBuilder().setRequestTxn(toProto(t)).build();
        };
    }

    /** etcd's Compare.target LEASE (4) and its field lease (8) are missing from jetcd-grpc's proto. */
    private static final int COMPARE_TARGET_LEASE = 4;
    private static final int COMPARE_FIELD_LEASE = 8;

    static io.etcd.jetcd.api.Compare toProto(Compare c) {
        var b = io.etcd.jetcd.api.Compare.newBuilder()
                .setKey(c.key())
                .setRangeEnd(c.rangeEnd())
                .setResult(switch (c.result()) {
                    case EQUAL -> io.etcd.jetcd.api.Compare.CompareResult.EQUAL;
                    case GREATER -> io.etcd.jetcd.api.Compare.CompareResult.GREATER;
                    case LESS -> io.etcd.jetcd.api.Compare.CompareResult.LESS;
                    case NOT_EQUAL -> io.etcd.jetcd.api.Compare.CompareResult.NOT_EQUAL;
                });
        switch (c.target()) {
            case VERSION -> b.setTarget(io.etcd.jetcd.api.Compare.CompareTarget.VERSION).setVersion(c.number());
            case CREATE -> b.setTarget(io.etcd.jetcd.api.Compare.CompareTarget.CREATE).setCreateRevision(c.number());
            case MOD -> b.setTarget(io.etcd.jetcd.api.Compare.CompareTarget.MOD).setModRevision(c.number());
            case VALUE -> b.setTarget(io.etcd.jetcd.api.Compare.CompareTarget.VALUE).setValue(c.value());
            case LEASE -> b.setTargetValue(COMPARE_TARGET_LEASE).setUnknownFields(UnknownFieldSet.newBuilder()
                    .addField(COMPARE_FIELD_LEASE, UnknownFieldSet.Field.newBuilder().addVarint(c.number()).build())
                    .build());
        }
        return b.build();
    }

    static KeyValue fromProto(io.etcd.jetcd.api.KeyValue kv) {
        return new KeyValue(kv.getKey(), kv.getValue(), kv.getCreateRevision(), kv.getModRevision(),
                kv.getVersion(), kv.getLease());
    }

    static RangeResponse fromProto(io.etcd.jetcd.api.RangeResponse r) {
        List<KeyValue> kvs = new ArrayList<>(r.getKvsCount());
        for (io.etcd.jetcd.api.KeyValue kv : r.getKvsList()) {
            kvs.add(fromProto(kv));
        }
        return new RangeResponse(r.getHeader().getRevision(), List.copyOf(kvs), r.getMore(), r.getCount());
    }

    static PutResponse fromProto(io.etcd.jetcd.api.PutResponse r) {
        return new PutResponse(r.getHeader().getRevision(), r.hasPrevKv() ? fromProto(r.getPrevKv()) : null);
    }

    static DeleteRangeResponse fromProto(io.etcd.jetcd.api.DeleteRangeResponse r) {
        return new DeleteRangeResponse(r.getHeader().getRevision(), r.getDeleted(),
                r.getPrevKvsList().stream().map(EtcdStore::fromProto).toList());
    }

    static TxnResponse fromProto(io.etcd.jetcd.api.TxnResponse r) {
        return fromProto(r, r.getHeader().getRevision());
    }

    /**
     * etcd 3.4 leaves the header of a nested txn's response empty (revision 0); it is reported
     * with the revision of the outermost txn instead.
     */
    private static TxnResponse fromProto(io.etcd.jetcd.api.TxnResponse r, long outerRevision) {
        long revision = r.getHeader().getRevision() != 0 ? r.getHeader().getRevision() : outerRevision;
        List<OpResponse> responses = new ArrayList<>(r.getResponsesCount());
        for (ResponseOp op : r.getResponsesList()) {
            responses.add(switch (op.getResponseCase()) {
                case RESPONSE_RANGE -> fromProto(op.getResponseRange());
                case RESPONSE_PUT -> fromProto(op.getResponsePut());
                case RESPONSE_DELETE_RANGE -> fromProto(op.getResponseDeleteRange());
                case RESPONSE_TXN -> fromProto(op.getResponseTxn(), outerRevision);
                case RESPONSE_NOT_SET -> throw new StoreException("etcd returned an empty ResponseOp");
            });
        }
        return new TxnResponse(revision, r.getSucceeded(), List.copyOf(responses));
    }

    static Event fromProto(io.etcd.jetcd.api.Event e, boolean withPrevKv) {
        Event.Type type = switch (e.getType()) {
            case PUT -> Event.Type.PUT;
            case DELETE -> Event.Type.DELETE;
            case UNRECOGNIZED -> throw new StoreException("unknown event type " + e.getTypeValue());
        };
        KeyValue prev = withPrevKv && e.hasPrevKv() ? fromProto(e.getPrevKv()) : null;
        return new Event(type, fromProto(e.getKv()), prev);
    }

    /** Resolves the channel's target to the configured endpoints, in order. */
    private static final class StaticResolverFactory extends NameResolver.Factory {
        static final String SCHEME = "skiff-etcd";
        private final List<EquivalentAddressGroup> addresses;

        StaticResolverFactory(List<EquivalentAddressGroup> addresses) {
            this.addresses = List.copyOf(addresses);
        }

        @Override
        public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
            if (!SCHEME.equals(targetUri.getScheme())) {
                return null;
            }
            return new NameResolver() {
                @Override
                public String getServiceAuthority() {
                    return "etcd";
                }

                @Override
                public void start(Listener2 listener) {
                    listener.onResult(ResolutionResult.newBuilder()
                            .setAddressesOrError(io.grpc.StatusOr.fromValue(addresses)).build());
                }

                @Override
                public void shutdown() {
                }
            };
        }

        @Override
        public String getDefaultScheme() {
            return SCHEME;
        }
    }
}
