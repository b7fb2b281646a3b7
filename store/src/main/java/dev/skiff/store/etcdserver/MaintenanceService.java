package dev.skiff.store.etcdserver;

import com.google.protobuf.ByteString;
import dev.skiff.store.Store;
import dev.skiff.store.StoreStatus;
import io.etcd.jetcd.api.AlarmRequest;
import io.etcd.jetcd.api.AlarmResponse;
import io.etcd.jetcd.api.DefragmentRequest;
import io.etcd.jetcd.api.DefragmentResponse;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.SnapshotRequest;
import io.etcd.jetcd.api.SnapshotResponse;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.api.StatusResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * etcdserverpb.Maintenance: Status, a snapshot stream when a {@link SnapshotSource} is given
 * (streamed as the source wrote it: the source owns etcd's framing, see {@link SnapshotSource}),
 * an always-empty alarm list and a no-op defragment. Hash, HashKV and MoveLeader are
 * UNIMPLEMENTED.
 */
final class MaintenanceService extends MaintenanceGrpc.MaintenanceImplBase {
    private static final int CHUNK = 32 * 1024;

    private final Store store;
    private final Headers headers;
    private final SnapshotSource snapshots;

    MaintenanceService(Store store, Headers headers, SnapshotSource snapshots) {
        this.store = store;
        this.headers = headers;
        this.snapshots = snapshots;
    }

    @Override
    public void status(StatusRequest request, StreamObserver<StatusResponse> out) {
        Calls.unary(out, () -> {
            StoreStatus s = store.status();
            return StatusResponse.newBuilder()
                    .setHeader(headers.header(s.revision()))
                    .setVersion(s.version())
                    .setDbSize(s.dbSizeBytes())
                    .setDbSizeInUse(s.dbSizeBytes())
                    .setLeader(headers.memberId)
                    .setRaftIndex(s.revision())
                    .setRaftAppliedIndex(s.revision())
                    .setRaftTerm(Headers.RAFT_TERM)
                    .setIsLearner(false)
                    .build();
        });
    }

    @Override
    public void alarm(AlarmRequest request, StreamObserver<AlarmResponse> out) {
        Calls.unary(out, () -> AlarmResponse.newBuilder().setHeader(headers.current()).build());
    }

    @Override
    public void defragment(DefragmentRequest request, StreamObserver<DefragmentResponse> out) {
        Calls.unary(out, () -> DefragmentResponse.newBuilder().setHeader(headers.current()).build());
    }

    @Override
    public void snapshot(SnapshotRequest request, StreamObserver<SnapshotResponse> responses) {
        if (snapshots == null) {
            responses.onError(Status.UNIMPLEMENTED
                    .withDescription("etcdserver: snapshot is not supported by this store").asRuntimeException());
            return;
        }
        var out = (ServerCallStreamObserver<SnapshotResponse>) responses;
        Object ready = new Object();
        out.setOnReadyHandler(() -> {
            synchronized (ready) {
                ready.notifyAll();
            }
        });
        Path spool = null;
        try {
            long revision = headers.currentRevision();
            spool = Files.createTempFile("skiff-etcd-snapshot", ".db");
            try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(spool))) {
                snapshots.writeTo(file);
            }
            long remaining = Files.size(spool);
            try (InputStream in = Files.newInputStream(spool)) {
                byte[] buf = new byte[CHUNK];
                while (remaining > 0) {
                    int n = in.readNBytes(buf, 0, buf.length);
                    ByteString blob = ByteString.copyFrom(buf, 0, n);
                    remaining -= blob.size();
                    synchronized (ready) {
                        while (!out.isReady() && !out.isCancelled()) {
                            ready.wait(100);
                        }
                    }
                    if (out.isCancelled()) {
                        return;
                    }
                    out.onNext(SnapshotResponse.newBuilder().setHeader(headers.header(revision))
                            .setRemainingBytes(remaining).setBlob(blob).build());
                }
            }
            out.onCompleted();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.onError(Status.CANCELLED.asRuntimeException());
        } catch (IOException e) {
            out.onError(Status.INTERNAL.withDescription("etcdserver: snapshot failed: " + e).asRuntimeException());
        } catch (RuntimeException e) {
            out.onError(Errors.toStatus(e));
        } finally {
            if (spool != null) {
                try {
                    Files.deleteIfExists(spool);
                } catch (IOException ignored) {
                    // temp file
                }
            }
        }
    }
}
