package dev.skiff.api.proxy;

import io.vertx.core.Context;
import io.vertx.core.Future;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/** Vert.x operations started from a (virtual) thread of our own: run on the connection's context, waited for here. */
public final class ContextCalls {
    private ContextCalls() {
    }

    /**
     * Runs {@code operation} on {@code context} and waits for the future it returns.
     *
     * @return null when it succeeded, else why it failed (an interrupt counts as a failure, the flag kept)
     */
    public static Throwable await(Context context, Supplier<Future<Void>> operation) {
        var done = new CompletableFuture<Void>();
        context.runOnContext(v -> operation.get().onComplete(r -> {
            if (r.succeeded()) {
                done.complete(null);
            } else {
                done.completeExceptionally(r.cause());
            }
        }));
        try {
            done.get();
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return e;
        }
    }
}
