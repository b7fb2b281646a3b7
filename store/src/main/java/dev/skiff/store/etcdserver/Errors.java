package dev.skiff.store.etcdserver;

import dev.skiff.store.CompactedException;
import dev.skiff.store.FutureRevisionException;
import dev.skiff.store.InvalidArgumentException;
import dev.skiff.store.LeaseNotFoundException;
import dev.skiff.store.RequestTooLargeException;
import dev.skiff.store.StoreException;
import dev.skiff.store.UnavailableException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Map;

/** Maps store failures to the gRPC codes and messages of etcd's api/v3rpc/rpctypes. */
final class Errors {
    static final String EMPTY_KEY = "etcdserver: key is not provided";
    static final String TOO_MANY_OPS = "etcdserver: too many operations in txn request";
    static final String DUPLICATE_KEY = "etcdserver: duplicate key given in txn request";
    static final String REQUEST_TOO_LARGE = "etcdserver: request is too large";

    /** etcd error strings that keep their own code whichever exception type carries them. */
    private static final Map<String, Status.Code> BY_MESSAGE = Map.ofEntries(
            Map.entry(EMPTY_KEY, Status.Code.INVALID_ARGUMENT),
            Map.entry("etcdserver: key not found", Status.Code.INVALID_ARGUMENT),
            Map.entry("etcdserver: value is provided", Status.Code.INVALID_ARGUMENT),
            Map.entry("etcdserver: lease is provided", Status.Code.INVALID_ARGUMENT),
            Map.entry(TOO_MANY_OPS, Status.Code.INVALID_ARGUMENT),
            Map.entry(DUPLICATE_KEY, Status.Code.INVALID_ARGUMENT),
            Map.entry(REQUEST_TOO_LARGE, Status.Code.INVALID_ARGUMENT),
            Map.entry("etcdserver: mvcc: required revision has been compacted", Status.Code.OUT_OF_RANGE),
            Map.entry("etcdserver: mvcc: required revision is a future revision", Status.Code.OUT_OF_RANGE),
            Map.entry("etcdserver: mvcc: database space exceeded", Status.Code.RESOURCE_EXHAUSTED),
            Map.entry("etcdserver: requested lease not found", Status.Code.NOT_FOUND),
            Map.entry("etcdserver: lease already exists", Status.Code.FAILED_PRECONDITION),
            Map.entry("etcdserver: too large lease TTL", Status.Code.OUT_OF_RANGE),
            Map.entry("etcdserver: no leader", Status.Code.UNAVAILABLE),
            Map.entry("etcdserver: not capable", Status.Code.UNAVAILABLE),
            Map.entry("etcdserver: server stopped", Status.Code.UNAVAILABLE),
            Map.entry("etcdserver: request timed out", Status.Code.UNAVAILABLE));

    private Errors() {
    }

    static StatusRuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }

    static StatusRuntimeException toStatus(Throwable t) {
        if (t instanceof StatusRuntimeException s) {
            return s;
        }
        Status.Code code = switch (t) {
            case CompactedException e -> Status.Code.OUT_OF_RANGE;
            case FutureRevisionException e -> Status.Code.OUT_OF_RANGE;
            case LeaseNotFoundException e -> Status.Code.NOT_FOUND;
            case RequestTooLargeException e -> Status.Code.INVALID_ARGUMENT;
            case UnavailableException e -> Status.Code.UNAVAILABLE;
            case InvalidArgumentException e -> BY_MESSAGE.getOrDefault(e.getMessage(), Status.Code.INVALID_ARGUMENT);
            case StoreException e -> BY_MESSAGE.getOrDefault(e.getMessage(), Status.Code.UNKNOWN);
            default -> null;
        };
        if (code == null) {
            return Status.INTERNAL.withDescription("etcdserver: " + t).withCause(t).asRuntimeException();
        }
        return Status.fromCode(code).withDescription(t.getMessage()).asRuntimeException();
    }
}
