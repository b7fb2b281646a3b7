package dev.skiff.store.etcdserver;

import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;

/** Runs a unary handler body (already on a virtual thread) and answers with its result or error. */
final class Calls {
    private Calls() {
    }

    static <T> void unary(StreamObserver<T> out, Supplier<T> body) {
        T result;
        try {
            result = body.get();
        } catch (Throwable t) {
            out.onError(Errors.toStatus(t));
            return;
        }
        out.onNext(result);
        out.onCompleted();
    }
}
