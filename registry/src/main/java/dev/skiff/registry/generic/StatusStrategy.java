package dev.skiff.registry.generic;

import dev.skiff.api.errors.ApiException.Cause;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * The update strategy of a {@code status} subresource, as upstream's per-resource status
 * strategies: the client's status is kept and everything else comes from the stored object
 * ({@code keepNonStatus} copies the spec and whatever metadata the resource's upstream status
 * strategy resets). Validation, canonicalization and deletion rules are the main strategy's.
 */
public final class StatusStrategy<T extends HasMetadata> implements Strategy<T> {
    private final Strategy<T> main;
    private final BiConsumer<T, T> keepNonStatus;

    public StatusStrategy(Strategy<T> main, BiConsumer<T, T> keepNonStatus) {
        this.main = main;
        this.keepNonStatus = keepNonStatus;
    }

    @Override
    public boolean namespaced() {
        return main.namespaced();
    }

    @Override
    public void prepareForUpdate(T object, T old) {
        keepNonStatus.accept(object, old);
    }

    @Override
    public List<Cause> validate(T object) {
        return main.validate(object);
    }

    @Override
    public List<Cause> validateUpdate(T object, T old) {
        return main.validateStatusUpdate(object, old);
    }

    @Override
    public void canonicalize(T object) {
        main.canonicalize(object);
    }

    @Override
    public boolean allowUnconditionalUpdate() {
        return main.allowUnconditionalUpdate();
    }

    @Override
    public boolean tracksGeneration() {
        return main.tracksGeneration();
    }

    @Override
    public Object spec(T object) {
        return main.spec(object);
    }

    @Override
    public List<String> pendingFinalizers(T object) {
        return main.pendingFinalizers(object);
    }

    @Override
    public Optional<String> refuseDelete(T existing) {
        return main.refuseDelete(existing);
    }
}
