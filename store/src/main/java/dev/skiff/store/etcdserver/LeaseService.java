package dev.skiff.store.etcdserver;

import dev.skiff.store.etcdapi.LeaseLeases;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import dev.skiff.store.Lease;
import dev.skiff.store.LeaseNotFoundException;
import dev.skiff.store.Store;
import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseGrantResponse;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.LeaseKeepAliveRequest;
import io.etcd.jetcd.api.LeaseKeepAliveResponse;
import io.etcd.jetcd.api.LeaseRevokeRequest;
import io.etcd.jetcd.api.LeaseRevokeResponse;
import io.etcd.jetcd.api.LeaseTimeToLiveRequest;
import io.etcd.jetcd.api.LeaseTimeToLiveResponse;
import io.etcd.jetcd.api.ResponseHeader;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * etcdserverpb.Lease over a {@link Store}. jetcd-grpc's service lacks LeaseLeases (etcd 3.3+), so
 * it is added by hand to the bound service ({@link LeaseLeases}).
 */
final class LeaseService extends LeaseGrpc.LeaseImplBase {
    private final Store store;
    private final Headers headers;

    LeaseService(Store store, Headers headers) {
        this.store = store;
        this.headers = headers;
    }

    /** This service plus LeaseLeases. */
    ServerServiceDefinition definition() {
        ServerServiceDefinition base = bindService();
        ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(base.getServiceDescriptor().getName());
        for (ServerMethodDefinition<?, ?> m : base.getMethods()) {
            b.addMethod(m);
        }
        b.addMethod(LeaseLeases.METHOD, ServerCalls.asyncUnaryCall(this::leaseLeases));
        return b.build();
    }

    @Override
    public void leaseGrant(LeaseGrantRequest request, StreamObserver<LeaseGrantResponse> out) {
        Calls.unary(out, () -> {
            Lease lease = store.leaseGrant(request.getID(), request.getTTL());
            return LeaseGrantResponse.newBuilder().setHeader(headers.current())
                    .setID(lease.id()).setTTL(lease.ttl()).build();
        });
    }

    @Override
    public void leaseRevoke(LeaseRevokeRequest request, StreamObserver<LeaseRevokeResponse> out) {
        Calls.unary(out, () -> {
            store.leaseRevoke(request.getID());
            return LeaseRevokeResponse.newBuilder().setHeader(headers.current()).build();
        });
    }

    @Override
    public void leaseTimeToLive(LeaseTimeToLiveRequest request, StreamObserver<LeaseTimeToLiveResponse> out) {
        Calls.unary(out, () -> {
            LeaseTimeToLiveResponse.Builder b = LeaseTimeToLiveResponse.newBuilder().setID(request.getID());
            try {
                Lease lease = store.leaseTimeToLive(request.getID(), request.getKeys());
                b.setTTL(lease.ttl()).setGrantedTTL(lease.grantedTtl());
                if (request.getKeys()) {
                    b.addAllKeys(lease.keys());
                }
            } catch (LeaseNotFoundException e) {
                b.setTTL(-1); // etcd answers a missing lease with TTL -1, not an error
            }
            return b.setHeader(headers.current()).build();
        });
    }

    @Override
    public StreamObserver<LeaseKeepAliveRequest> leaseKeepAlive(StreamObserver<LeaseKeepAliveResponse> out) {
        // gRPC delivers one request at a time per call, so replies go out in request order
        return new StreamObserver<>() {
            private boolean failed;

            @Override
            public void onNext(LeaseKeepAliveRequest request) {
                if (failed) {
                    return;
                }
                try {
                    long ttl;
                    try {
                        ttl = store.leaseKeepAlive(request.getID());
                    } catch (LeaseNotFoundException e) {
                        ttl = 0; // etcd: TTL 0 tells the client the lease is gone
                    }
                    out.onNext(LeaseKeepAliveResponse.newBuilder().setHeader(headers.current())
                            .setID(request.getID()).setTTL(ttl).build());
                } catch (RuntimeException e) {
                    failed = true;
                    out.onError(Errors.toStatus(e));
                }
            }

            @Override
            public void onError(Throwable t) {
                // client went away
            }

            @Override
            public void onCompleted() {
                if (!failed) {
                    out.onCompleted();
                }
            }
        };
    }

    private void leaseLeases(byte[] ignored, StreamObserver<byte[]> out) {
        Calls.unary(out, () -> {
            List<Long> ids = store.leases();
            ResponseHeader header = headers.current();
            return LeaseLeases.encodeResponse(header, ids);
        });
    }
}
