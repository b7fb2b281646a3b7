package dev.skiff.registry.generic;

import dev.skiff.api.errors.ApiException.Cause;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * The update strategy of a {@code /status} subresource, as upstream's per-resource statusStrategy:
 * the same resource, but an update keeps the stored spec (and labels/annotations) and changes only
 * status; generation is not bumped. {@code keepSpec} copies the spec from the old object to the new.
 */
public final class StatusStrategy<T extends HasMetadata> implements Strategy<T> {
    private final Strategy<T> main;
    private final BiConsumer<T, T> keepSpec;

    public StatusStrategy(Strategy<T> main, BiConsumer<T, T> keepSpec) {
        this.main = main;
        this.keepSpec = keepSpec;
    }

    @Override
    public boolean namespaced() {
        return main.namespaced();
    }

    @Override
    public void prepareForUpdate(T object, T old) {
        keepSpec.accept(object, old);
        object.getMetadata().setLabels(old.getMetadata().getLabels());
        object.getMetadata().setAnnotations(old.getMetadata().getAnnotations());
    }

    @Override
    public List<Cause> validate(T object) {
        return main.validate(object);
    }

    @Override
    public List<Cause> validateUpdate(T object, T old) {
        return List.of(); // the spec is the stored one, already valid
    }

    @Override
    public boolean tracksGeneration() {
        return false;
    }
}
