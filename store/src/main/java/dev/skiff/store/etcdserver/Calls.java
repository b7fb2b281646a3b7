package dev.skiff.store.etcdserver;

import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.function.Supplier;

/** Runs a unary handler body and answers with its result or error. */
final class Calls {
    private Calls() {
    }

    /** A blocking body, already on a virtual thread. */
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

    /**
     * A body that must not block (it runs on the transport's event loop): it starts the work and
     * returns its future; the answer, converted by {@code response}, is sent from whichever thread
     * completes the future.
     */
    static <R, T> void unaryAsync(StreamObserver<T> out, Supplier<CompletableFuture<R>> body, Function<R, T> response) {
        CompletableFuture<R> started;
        try {
            started = body.get();
        } catch (Throwable t) {
            out.onError(Errors.toStatus(t));
            return;
        }
        started.whenComplete((r, failure) -> {
            if (failure != null) {
                out.onError(Errors.toStatus(failure instanceof CompletionException c && c.getCause() != null
                        ? c.getCause() : failure));
                return;
            }
            T result;
            try {
                result = response.apply(r);
            } catch (Throwable t) {
                out.onError(Errors.toStatus(t));
                return;
            }
            out.onNext(result);
            out.onCompleted();
        });
    }
}
