package dev.skiff.registry.generic;

import dev.skiff.api.names.SimpleNameGenerator;
import dev.skiff.api.validation.NameValidator;
import dev.skiff.api.validation.ObjectMetaValidation;
import dev.skiff.api.errors.ApiException;
import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.registry.cacher.Cacher;
import dev.skiff.registry.storage.ListOptions;
import dev.skiff.registry.storage.ListResult;
import dev.skiff.registry.storage.ObjectCodec;
import dev.skiff.registry.storage.Preconditions;
import dev.skiff.registry.storage.Resource;
import dev.skiff.registry.storage.Storage;
import dev.skiff.registry.storage.Storage.Change;
import dev.skiff.registry.watch.WatchEvent;
import dev.skiff.registry.watch.WatchOptions;
import dev.skiff.registry.watch.WatchStream;
import dev.skiff.registry.watch.Watcher;
import dev.skiff.store.Store;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.autoscaling.v1.Scale;
import io.fabric8.kubernetes.api.model.autoscaling.v1.ScaleSpec;
import io.fabric8.kubernetes.api.model.autoscaling.v1.ScaleStatus;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * One resource's REST semantics without HTTP, as upstream's generic registry Store
 * (k8s.io/apiserver/pkg/registry/generic/registry/store.go): system fields on create
 * (uid, creationTimestamp, generateName with retries), optimistic concurrency on update,
 * finalizer-aware delete, deleteCollection, dryRun; per-resource behaviour in a {@link Strategy}.
 */
public final class GenericRegistry<T extends HasMetadata> {
    /** Upstream retries a create whose generated name collided this many times in all. */
    static final int MAX_NAME_GENERATION_ATTEMPTS = 8;

    private final Resource<T> resource;
    private final Strategy<T> strategy;
    private final Storage<T> storage;
    private final Cacher<T> cacher;
    private final Clock clock;
    private final RandomGenerator random;
    private final SimpleNameGenerator names;
    private final StoreHooks<T> hooks;

    public GenericRegistry(Store store, Resource<T> resource, Strategy<T> strategy, Clock clock, RandomGenerator random) {
        this(store, resource, strategy, new StoreHooks<>() {
        }, clock, random);
    }

    /** With {@code hooks} around every create, update and delete, as upstream's Store BeginCreate/BeginUpdate/AfterDelete. */
    public GenericRegistry(Store store, Resource<T> resource, Strategy<T> strategy, StoreHooks<T> hooks, Clock clock, RandomGenerator random) {
        this(resource, strategy, new Storage<>(store, resource, new ObjectCodec()), store, hooks, clock, random);
    }

    private GenericRegistry(Resource<T> resource, Strategy<T> strategy, Storage<T> storage, Store store, StoreHooks<T> hooks,
                            Clock clock, RandomGenerator random) {
        this(resource, strategy, storage, new Cacher<>(store, storage, new Watcher<>(store, storage), Cacher.DEFAULT_CAPACITY),
                hooks, clock, random);
    }

    private GenericRegistry(Resource<T> resource, Strategy<T> strategy, Storage<T> storage, Cacher<T> cacher,
                            StoreHooks<T> hooks, Clock clock, RandomGenerator random) {
        if (resource.namespaced() != strategy.namespaced()) {
            throw new IllegalArgumentException(resource.plural() + ": resource and strategy disagree on scope");
        }
        this.resource = resource;
        this.strategy = strategy;
        this.storage = storage;
        this.clock = clock;
        this.random = random;
        this.names = new SimpleNameGenerator(random);
        this.cacher = cacher;
        this.hooks = hooks;
    }

    // -- create

    public T create(String namespace, T input, boolean dryRun) {
        return create(namespace, input, dryRun, ObjectAdmission.NONE);
    }

    /** A create that {@code admission} validates right before the write (after the strategy did). */
    public T create(String namespace, T input, boolean dryRun, ObjectAdmission admission) {
        T object = storage.codec().copy(input);
        ObjectMeta meta = metadata(object);
        bindNamespace(namespace, meta);
        meta.setDeletionTimestamp(null);
        meta.setDeletionGracePeriodSeconds(null);
        strategy.prepareForCreate(object);
        meta.setUid(uid());
        meta.setCreationTimestamp(now());
        if (strategy.tracksGeneration()) {
            meta.setGeneration(1L);
        }
        boolean generated = isEmpty(meta.getName()) && !isEmpty(meta.getGenerateName());
        StoreHooks.Transaction transaction = null;
        for (int attempt = 1; ; attempt++) {
            if (generated) {
                meta.setName(names.generateName(meta.getGenerateName()));
            }
            List<Cause> causes = new ArrayList<>(validateCommon(meta));
            causes.addAll(strategy.validate(object));
            if (!causes.isEmpty()) {
                throw ApiException.invalid(resource.group(), resource.kind(), nullToEmpty(meta.getName()), causes);
            }
            strategy.canonicalize(object);
            if (transaction == null) { // once: what admission and the hooks reserve does not depend on the name
                transaction = ObjectAdmission.admitThenBegin(admission.admit(object, null, dryRun), () -> hooks.beginCreate(object, dryRun));
            }
            try {
                T created = storage.create(meta.getNamespace(), meta.getName(), object, dryRun);
                transaction.commit();
                return created;
            } catch (RuntimeException e) {
                if (!generated || !(e instanceof ApiException api) || !"AlreadyExists".equals(api.reason())
                        || attempt == MAX_NAME_GENERATION_ATTEMPTS) {
                    transaction.revert();
                    throw e;
                }
            }
        }
    }

    // -- read

    public T get(String namespace, String name) {
        return storage.get(scope(namespace), name);
    }

    public ListResult<T> list(String namespace, ListOptions options) {
        return cacher.list(scope(namespace), options);
    }

    public WatchStream watch(String namespace, WatchOptions options, Consumer<WatchEvent<T>> sink) {
        return cacher.watch(scope(namespace), options, sink);
    }

    // -- update

    /** The stored object; {@code created} when an update created it, {@code deleted} when it removed the last finalizer of a deleting object. */
    public record UpdateResult<T>(T object, boolean created, boolean deleted) {
    }

    public UpdateResult<T> update(String namespace, String name, T input, boolean dryRun) {
        return update(namespace, name, input, dryRun, ObjectAdmission.NONE);
    }

    /** An update that {@code admission} validates against the stored object right before each write attempt. */
    public UpdateResult<T> update(String namespace, String name, T input, boolean dryRun, ObjectAdmission admission) {
        T object = storage.codec().copy(input);
        ObjectMeta meta = metadata(object);
        bindNamespace(namespace, meta);
        if (isEmpty(meta.getName())) {
            meta.setName(name);
        } else if (!meta.getName().equals(name)) {
            throw ApiException.badRequest("the name of the object (" + meta.getName() + ") does not match the name on the URL (" + name + ")");
        }
        String rv = meta.getResourceVersion();
        boolean conditional = !isEmpty(rv);
        if (conditional) {
            Storage.parseResourceVersion(rv);
        }
        try {
            var updated = updateWithHooks(namespace, name, conditional ? Preconditions.resourceVersion(rv) : Preconditions.NONE,
                    existing -> {
                        if (!conditional && !strategy.allowUnconditionalUpdate()) {
                            throw ApiException.invalid(resource.group(), resource.kind(), name, List.of(
                                    Cause.invalid("metadata.resourceVersion", 0, "must be specified for an update")));
                        }
                        return prepareUpdate(storage.codec().copy(object), existing);
                    }, dryRun, admission);
            return new UpdateResult<>(updated.object(), false, updated.deleted());
        } catch (ApiException e) {
            if (e.code() != 404 || !strategy.allowCreateOnUpdate() || !"NotFound".equals(e.reason())) {
                throw e;
            }
            if (conditional) {
                // upstream: an update that creates must not name a version
                throw ApiException.notFound(resource.group(), resource.plural(), name);
            }
            return new UpdateResult<>(create(namespace, object, dryRun, admission), true, false);
        }
    }

    /**
     * guaranteedUpdate with the hooks: each attempt's begin is reverted before the next attempt (a
     * retry sees another old object), the last one committed once the write happened; an update
     * that removes the object (its last finalizer went) ends like a delete of the stored object.
     */
    private Storage.Updated<T> updateWithHooks(String namespace, String name, Preconditions preconditions,
                                               java.util.function.Function<T, Change<T>> tryUpdate, boolean dryRun,
                                               ObjectAdmission admission) {
        var transaction = new java.util.concurrent.atomic.AtomicReference<>(StoreHooks.Transaction.NONE);
        var removedState = new java.util.concurrent.atomic.AtomicReference<T>();
        Storage.Updated<T> updated;
        try {
            updated = storage.guaranteedUpdate(scope(namespace), name, preconditions, existing -> {
                transaction.getAndSet(StoreHooks.Transaction.NONE).revert();
                T old = storage.codec().copy(existing);
                Change<T> change = tryUpdate.apply(existing);
                if (change instanceof Change.Write<T> write) {
                    transaction.set(ObjectAdmission.admitThenBegin(admission.admit(write.object(), old, dryRun),
                            () -> hooks.beginUpdate(write.object(), old, dryRun)));
                } else {
                    removedState.set(old);
                }
                return change;
            }, dryRun);
        } catch (RuntimeException e) {
            transaction.get().revert();
            throw e;
        }
        transaction.get().commit();
        if (updated.deleted()) {
            hooks.afterDelete(removedState.get(), dryRun);
        }
        return updated;
    }

    private Change<T> prepareUpdate(T object, T existing) {
        ObjectMeta meta = object.getMetadata();
        ObjectMeta old = existing.getMetadata();
        meta.setGeneration(old.getGeneration());
        if (isEmpty(meta.getResourceVersion())) {
            // an unconditional update (no resourceVersion given) applies to the latest version, as
            // upstream's store fills it in before validating
            meta.setResourceVersion(old.getResourceVersion());
        }
        strategy.prepareForUpdate(object, existing);
        if (isEmpty(meta.getUid())) {
            meta.setUid(old.getUid());
        }
        if (!isEmpty(old.getCreationTimestamp())) {
            meta.setCreationTimestamp(old.getCreationTimestamp());
        }
        if (old.getDeletionTimestamp() != null) {
            meta.setDeletionTimestamp(old.getDeletionTimestamp());
        }
        if (old.getDeletionGracePeriodSeconds() != null && meta.getDeletionGracePeriodSeconds() == null) {
            meta.setDeletionGracePeriodSeconds(old.getDeletionGracePeriodSeconds());
        }
        if (strategy.tracksGeneration() && !sameValue(strategy.spec(object), strategy.spec(existing))) {
            meta.setGeneration(old.getGeneration() == null ? 1L : old.getGeneration() + 1);
        }
        List<Cause> causes = new ArrayList<>(validateCommonUpdate(meta, old));
        causes.addAll(strategy.validateUpdate(object, existing));
        if (!causes.isEmpty()) {
            throw ApiException.invalid(resource.group(), resource.kind(), meta.getName(), causes);
        }
        strategy.canonicalize(object);
        // the last finalizer of a deleting object went: the update deletes it (upstream's ShouldDeleteDuringUpdate)
        if (old.getDeletionTimestamp() != null && Long.valueOf(0).equals(old.getDeletionGracePeriodSeconds())
                && strategy.pendingFinalizers(object).isEmpty()) {
            return new Change.Remove<>(object);
        }
        return new Change.Write<>(object);
    }

    // -- delete

    public DeleteResult<T> delete(String namespace, String name, DeleteOptions options) {
        String ns = scope(namespace);
        Preconditions preconditions = new Preconditions(options.preconditionUid(), options.preconditionResourceVersion());
        String policyFinalizer = switch (options.propagationPolicy() == null ? "" : options.propagationPolicy()) {
            case "Orphan" -> "orphan";
            case "Foreground" -> "foregroundDeletion";
            case "", "Background" -> null;
            default -> throw ApiException.invalid("meta.k8s.io", "DeleteOptions", "", List.of(Cause.notSupported(
                    "propagationPolicy", options.propagationPolicy(), List.of("Foreground", "Background", "Orphan"))));
        };
        // upstream treats a negative grace period as the shortest one there is, 1 s
        Long requestedGrace = options.gracePeriodSeconds() != null && options.gracePeriodSeconds() < 0 ? Long.valueOf(1)
                : options.gracePeriodSeconds();
        var outcome = storage.guaranteedUpdate(ns, name, preconditions, current -> {
            strategy.refuseDelete(current).ifPresent(reason -> {
                throw ApiException.conflict(resource.group(), resource.plural(), name, reason);
            });
            return markForDeletion(current, requestedGrace, policyFinalizer) ? new Change.Write<>(current) : new Change.Remove<>(current);
        }, options.dryRun());
        if (outcome.deleted()) {
            hooks.afterDelete(outcome.object(), options.dryRun());
            return new DeleteResult<>(outcome.object(), true);
        }
        return new DeleteResult<>(outcome.object(), false);
    }

    /**
     * Upstream's rest.BeforeDelete with the store's finalizer handling, applied to the current
     * object: true when it stays (marked with a deletionTimestamp, its grace period shortened, or a
     * graceful deletion already pending, which changes nothing), false when it is to be removed now.
     * A graceful deletion puts deletionTimestamp at now + grace period; the object stays until
     * deleted again with a shorter period (the kubelet's final delete uses 0). Finalizers keep an
     * object whose grace period is over.
     */
    private boolean markForDeletion(T current, Long requestedGrace, String policyFinalizer) {
        ObjectMeta meta = current.getMetadata();
        Long pendingGrace = meta.getDeletionGracePeriodSeconds();
        if (meta.getDeletionTimestamp() != null && pendingGrace != null && pendingGrace > 0) {
            if (requestedGrace == null || requestedGrace >= pendingGrace) {
                return true; // graceful deletion pending: only a shorter grace period changes it
            }
            meta.setDeletionTimestamp(DateTimeFormatter.ISO_INSTANT.format(java.time.Instant.parse(meta.getDeletionTimestamp())
                    .minusSeconds(pendingGrace).plusSeconds(requestedGrace)));
            meta.setDeletionGracePeriodSeconds(requestedGrace);
            if (requestedGrace > 0) {
                return true;
            }
        } else if (meta.getDeletionTimestamp() == null) {
            long grace = strategy.gracefulDeletionSeconds(current, requestedGrace).orElse(0);
            if (grace > 0) {
                markAsDeleting(current, grace);
                addFinalizer(meta, policyFinalizer);
                return true;
            }
        }
        if (strategy.pendingFinalizers(current).isEmpty() && policyFinalizer == null) {
            return false;
        }
        if (meta.getDeletionTimestamp() == null) {
            markAsDeleting(current, 0);
        }
        addFinalizer(meta, policyFinalizer);
        return true;
    }

    private void markAsDeleting(T object, long graceSeconds) {
        ObjectMeta meta = object.getMetadata();
        meta.setDeletionTimestamp(DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS)
                .plusSeconds(graceSeconds)));
        meta.setDeletionGracePeriodSeconds(graceSeconds);
        if (meta.getGeneration() != null && meta.getGeneration() > 0) {
            meta.setGeneration(meta.getGeneration() + 1); // controllers of a deleting object stop acting on it
        }
        strategy.prepareForDeletion(object);
    }

    private static void addFinalizer(ObjectMeta meta, String finalizer) {
        if (finalizer != null && !meta.getFinalizers().contains(finalizer)) {
            List<String> finalizers = new ArrayList<>(meta.getFinalizers());
            finalizers.add(finalizer);
            meta.setFinalizers(finalizers);
        }
    }

    /** Deletes every listed object with the same options, skipping ones already gone, as upstream. */
    public List<DeleteResult<T>> deleteCollection(String namespace, ListOptions listOptions, DeleteOptions options) {
        List<T> items = new ArrayList<>();
        ListResult<T> page = list(namespace, listOptions);
        items.addAll(page.items());
        while (page.continueToken() != null) {
            page = list(namespace, listOptions.withContinue(page.continueToken()).atResourceVersion(null, null));
            items.addAll(page.items());
        }
        List<DeleteResult<T>> results = new ArrayList<>();
        for (T item : items) {
            try {
                results.add(delete(item.getMetadata().getNamespace(), item.getMetadata().getName(), options));
            } catch (ApiException e) {
                if (e.code() != 404) {
                    throw e;
                }
            }
        }
        return results;
    }

    // -- subresources

    /** The same storage with another update strategy, as upstream's status/finalize stores. */
    public GenericRegistry<T> withUpdateStrategy(Strategy<T> updateStrategy) {
        return new GenericRegistry<>(resource, updateStrategy, storage, cacher, hooks, clock, random);
    }

    /** The registry that updates through the named subresource ("status", "finalize"), if the strategy declares it. */
    public java.util.Optional<GenericRegistry<T>> subresource(String name) {
        return java.util.Optional.ofNullable(strategy.subresourceStrategies().get(name)).map(this::withUpdateStrategy);
    }

    public boolean scalable() {
        return strategy.scale().isPresent();
    }

    /** The object's autoscaling/v1 Scale, as upstream's ScaleREST.Get. */
    public Scale getScale(String namespace, String name) {
        return toScale(get(namespace, name), scaleMapping());
    }

    /**
     * Sets spec.replicas from a Scale, as upstream's ScaleREST.Update: the Scale is validated, its
     * resourceVersion (when given) is a precondition, and the object goes through the main update
     * path (validation, generation).
     */
    public Scale updateScale(String namespace, String name, Scale scale, boolean dryRun) {
        ScaleSubresource<T> mapping = scaleMapping();
        ObjectMeta scaleMeta = scale.getMetadata() == null ? new ObjectMeta() : scale.getMetadata();
        if (!isEmpty(scaleMeta.getName()) && !scaleMeta.getName().equals(name)) {
            throw ApiException.badRequest("the name of the object (" + scaleMeta.getName() + ") does not match the name on the URL (" + name + ")");
        }
        Integer replicas = scale.getSpec() == null ? null : scale.getSpec().getReplicas();
        List<Cause> causes = new ArrayList<>();
        if (replicas == null) {
            replicas = 0; // an omitted int32 decodes as 0 upstream
        }
        if (replicas < 0) {
            causes.add(Cause.invalid("spec.replicas", replicas, "must be greater than or equal to 0"));
        }
        if (!causes.isEmpty()) {
            throw ApiException.invalid("autoscaling", "Scale", name, causes);
        }
        String rv = scaleMeta.getResourceVersion();
        boolean conditional = !isEmpty(rv);
        if (conditional) {
            Storage.parseResourceVersion(rv);
        }
        int wanted = replicas;
        var updated = updateWithHooks(namespace, name,
                conditional ? Preconditions.resourceVersion(rv) : Preconditions.NONE,
                existing -> {
                    T object = storage.codec().copy(existing);
                    mapping.setSpecReplicas().accept(object, wanted);
                    return prepareUpdate(object, existing);
                }, dryRun, ObjectAdmission.NONE); // a subresource: quota does not charge scale changes
        return toScale(updated.object(), mapping);
    }

    /**
     * Changes the stored object with {@code change} under {@code preconditions}, retried on races,
     * without the strategy: for subresources that, as upstream's BindingREST, write through storage
     * directly and check what they change themselves.
     */
    public T guaranteedUpdate(String namespace, String name, Preconditions preconditions, java.util.function.UnaryOperator<T> change,
                              boolean dryRun) {
        return storage.guaranteedUpdate(scope(namespace), name, preconditions,
                existing -> new Change.Write<>(change.apply(storage.codec().copy(existing))), dryRun).object();
    }

    private ScaleSubresource<T> scaleMapping() {
        return strategy.scale().orElseThrow(ApiException::notFoundPath);
    }

    private Scale toScale(T object, ScaleSubresource<T> mapping) {
        ObjectMeta meta = object.getMetadata();
        ObjectMeta scaleMeta = new ObjectMeta();
        scaleMeta.setName(meta.getName());
        scaleMeta.setNamespace(meta.getNamespace());
        scaleMeta.setUid(meta.getUid());
        scaleMeta.setResourceVersion(meta.getResourceVersion());
        scaleMeta.setCreationTimestamp(meta.getCreationTimestamp());
        Integer spec = mapping.specReplicas().apply(object);
        Integer status = mapping.statusReplicas().apply(object);
        Scale scale = new Scale("autoscaling/v1", "Scale", scaleMeta,
                new ScaleSpec(spec == null ? 0 : spec), new ScaleStatus(status == null ? 0 : status, mapping.selector().apply(object)));
        return scale;
    }

    // -- common metadata rules (upstream's ValidateObjectMeta / ValidateObjectMetaUpdate, the generic part)

    private List<Cause> validateCommon(ObjectMeta meta) {
        return ObjectMetaValidation.validate(meta, resource.namespaced(),
                NameValidator.forResource(resource.group(), resource.plural()), "metadata");
    }

    private List<Cause> validateCommonUpdate(ObjectMeta meta, ObjectMeta old) {
        return ObjectMetaValidation.validateUpdate(meta, old, "metadata");
    }

    private void bindNamespace(String requestNamespace, ObjectMeta meta) {
        if (!resource.namespaced()) {
            return; // a namespace on a cluster-scoped object is a validation error, reported with the others
        }
        if (isEmpty(meta.getNamespace())) {
            meta.setNamespace(requestNamespace);
        } else if (!isEmpty(requestNamespace) && !meta.getNamespace().equals(requestNamespace)) {
            throw ApiException.badRequest("the namespace of the provided object does not match the namespace sent on the request");
        }
    }

    private String scope(String namespace) {
        return resource.namespaced() ? namespace : null;
    }

    private ObjectMeta metadata(T object) {
        if (object.getMetadata() == null) {
            object.setMetadata(new ObjectMeta());
        }
        return object.getMetadata();
    }

    private boolean sameValue(Object a, Object b) {
        var mapper = storage.codec().mapper();
        return Objects.equals(mapper.valueToTree(a), mapper.valueToTree(b));
    }

    private String uid() {
        long msb = (random.nextLong() & ~0xF000L) | 0x4000L;
        long lsb = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb).toString();
    }

    private String now() {
        return DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
    }

    private static boolean isEmpty(String s) {
        return s == null || s.isEmpty();
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
