package dev.skiff.registry.storage;

import com.google.protobuf.ByteString;
import dev.skiff.api.errors.ApiException;
import dev.skiff.store.CompactedException;
import dev.skiff.store.Compare;
import dev.skiff.store.DeleteRangeRequest;
import dev.skiff.store.FutureRevisionException;
import dev.skiff.store.KeyRange;
import dev.skiff.store.KeyValue;
import dev.skiff.store.PutRequest;
import dev.skiff.store.RangeRequest;
import dev.skiff.store.RangeResponse;
import dev.skiff.store.Store;
import dev.skiff.store.TxnRequest;
import dev.skiff.store.TxnResponse;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * One resource's objects in the store, with upstream's etcd3 storage semantics
 * (k8s.io/apiserver/pkg/storage/etcd3): JSON values at {@link Resource#key}, resourceVersion =
 * the key's mod revision, creates guarded by {@code create_revision == 0}, updates and deletes
 * guarded by {@code mod_revision}. Failures are {@link ApiException}s (Kubernetes Status).
 */
public final class Storage<T extends HasMetadata> {
    /** How upstream words a stale resourceVersion (registry.OptimisticLockErrorMsg). */
    public static final String OPTIMISTIC_LOCK_MESSAGE =
            "the object has been modified; please apply your changes to the latest version and try again";
    static final String INCONSISTENT_CONTINUE = "The provided continue parameter is too old to display a consistent list result. "
            + "You can start a new list without the continue parameter, or use the continue token in this response to "
            + "retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - "
            + "objects that were created, modified, or deleted between the time the first chunk was returned and now may "
            + "show up in the list.";

    private final Store store;
    private final Resource<T> resource;
    private final ObjectCodec codec;

    public Storage(Store store, Resource<T> resource, ObjectCodec codec) {
        this.store = store;
        this.resource = resource;
        this.codec = codec;
    }

    public Resource<T> resource() {
        return resource;
    }

    public ObjectCodec codec() {
        return codec;
    }

    /** Stores a new object; AlreadyExists when the key is taken. With dryRun only the existence check runs. */
    public T create(String namespace, String name, T object, boolean dryRun) {
        String rv = object.getMetadata().getResourceVersion();
        if (rv != null && !rv.isEmpty()) {
            // upstream's storage.ErrResourceVersionSetOnCreate, which the registry passes on as-is
            throw ApiException.internal("resourceVersion should not be set on objects to be created");
        }
        ByteString key = key(namespace, name);
        if (dryRun) {
            if (find(namespace, name).isPresent()) {
                throw alreadyExists(name);
            }
            return codec.copy(object);
        }
        ByteString value = codec.encode(object);
        TxnResponse response = store.txn(new TxnRequest(
                List.of(Compare.createRevision(key, Compare.Result.EQUAL, 0)),
                List.of(PutRequest.of(key, value)),
                List.of()));
        if (!response.succeeded()) {
            throw alreadyExists(name);
        }
        return codec.decode(value, resource.type(), response.revision());
    }

    public T get(String namespace, String name) {
        return find(namespace, name).orElseThrow(() -> notFound(name));
    }

    public Optional<T> find(String namespace, String name) {
        RangeResponse response = store.range(RangeRequest.key(key(namespace, name)));
        return response.kvs().stream().findFirst().map(this::decode);
    }

    /** What an update function decided: store {@code object}, or delete the key (e.g. the last finalizer went). */
    public sealed interface Change<T> {
        record Write<T>(T object) implements Change<T> {
        }

        record Remove<T>(T lastState) implements Change<T> {
        }
    }

    /** The stored outcome: the object as now stored, or its last state (resourceVersion = the delete revision). */
    public record Updated<T>(T object, boolean deleted) {
    }

    /**
     * Upstream's GuaranteedUpdate: reads the current object, checks the preconditions, applies
     * {@code tryUpdate} to a copy and writes it only if the key's mod revision is unchanged,
     * retrying on a concurrent write. A precondition on resourceVersion is never retried: a stale
     * version is a 409 Conflict. An update that changes nothing writes nothing.
     */
    public Updated<T> guaranteedUpdate(String namespace, String name, Preconditions preconditions,
                                       Function<T, Change<T>> tryUpdate, boolean dryRun) {
        ByteString key = key(namespace, name);
        while (true) {
            KeyValue current = store.range(RangeRequest.key(key)).kvs().stream().findFirst().orElseThrow(() -> notFound(name));
            T existing = decode(current);
            checkPreconditions(name, preconditions, existing, true);
            Change<T> change = tryUpdate.apply(codec.copy(existing));
            if (change instanceof Change.Remove<T> remove) {
                if (dryRun) {
                    return new Updated<>(remove.lastState(), true);
                }
                TxnResponse response = guarded(key, current.modRevision(), DeleteRangeRequest.key(key));
                if (response.succeeded()) {
                    T last = codec.copy(remove.lastState());
                    last.getMetadata().setResourceVersion(Long.toString(response.revision()));
                    return new Updated<>(last, true);
                }
            } else {
                T updated = ((Change.Write<T>) change).object();
                ByteString value = codec.encode(updated);
                if (value.equals(current.value()) || dryRun) {
                    updated.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
                    return new Updated<>(value.equals(current.value()) ? existing : updated, false);
                }
                TxnResponse response = guarded(key, current.modRevision(), PutRequest.of(key, value));
                if (response.succeeded()) {
                    return new Updated<>(codec.decode(value, resource.type(), response.revision()), false);
                }
            }
            if (preconditions.resourceVersion() != null) {
                throw conflict(name, OPTIMISTIC_LOCK_MESSAGE);
            }
        }
    }

    /**
     * Deletes the object if it still is at {@code expectedModRevision} (0 = whatever it is now),
     * after checking the preconditions. Returns its last state with resourceVersion = the delete
     * revision, or empty when it changed meanwhile (the caller decides again on the new state).
     */
    public Optional<T> delete(String namespace, String name, Preconditions preconditions, long expectedModRevision,
                              boolean dryRun) {
        ByteString key = key(namespace, name);
        KeyValue current = store.range(RangeRequest.key(key)).kvs().stream().findFirst().orElseThrow(() -> notFound(name));
        T existing = decode(current);
        checkPreconditions(name, preconditions, existing, false);
        if (expectedModRevision != 0 && current.modRevision() != expectedModRevision) {
            return Optional.empty();
        }
        if (dryRun) {
            return Optional.of(existing);
        }
        TxnResponse response = guarded(key, current.modRevision(), DeleteRangeRequest.key(key));
        if (!response.succeeded()) {
            return Optional.empty();
        }
        existing.getMetadata().setResourceVersion(Long.toString(response.revision()));
        return Optional.of(existing);
    }

    /**
     * Lists one namespace (or all when null) as upstream's etcd3 GetList: resourceVersion and
     * resourceVersionMatch choose the revision read; {@code limit} and {@code continue} page through
     * one consistent snapshot; the predicate filters, reading further pages to fill the limit.
     */
    public ListResult<T> list(String namespace, ListOptions options) {
        String rootPrefix = resource.keyPrefix() + "/";
        ByteString prefix = ByteString.copyFromUtf8(resource.listPrefix(namespace));
        ByteString end = KeyRange.prefixEnd(prefix);
        ByteString start = prefix;
        long withRev = 0;
        long minimum = 0;
        String rv = options.resourceVersion() == null ? "" : options.resourceVersion();
        boolean continuing = options.continueToken() != null && !options.continueToken().isEmpty();
        if (continuing) {
            if (!rv.isEmpty() && !rv.equals("0")) {
                throw ApiException.badRequest("specifying resource version is not allowed when using continue");
            }
            ContinueToken token;
            try {
                token = ContinueToken.decode(options.continueToken());
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("invalid continue token: " + e.getMessage());
            }
            start = ByteString.copyFromUtf8(rootPrefix + token.start());
            withRev = token.revision() == -1 ? 0 : token.revision();
            if (ByteString.unsignedLexicographicalComparator().compare(start, prefix) < 0) {
                start = prefix; // a token from another namespace's list cannot read outside this one
            }
        } else if (!rv.isEmpty()) {
            long fromRv = parseResourceVersion(rv);
            switch (options.match()) {
                case EXACT -> {
                    if (fromRv == 0) {
                        throw ApiException.badRequest("resourceVersionMatch \"Exact\" is forbidden for resourceVersion \"0\"");
                    }
                    withRev = fromRv;
                }
                case NOT_OLDER_THAN -> minimum = fromRv;
                case UNSET -> {
                    // legacy: a paged list from a given resourceVersion reads exactly there
                    if (options.limit() > 0 && fromRv > 0) {
                        withRev = fromRv;
                    } else {
                        minimum = fromRv;
                    }
                }
            }
        } else if (options.match() != ResourceVersionMatch.UNSET) {
            throw ApiException.badRequest("resourceVersionMatch is forbidden unless resourceVersion is provided");
        }

        long limit = options.limit();
        List<T> items = new ArrayList<>();
        ByteString lastKey = null;
        boolean hasMore = false;
        Long remaining = null;
        while (true) {
            RangeResponse response;
            try {
                response = store.range(new RangeRequest(start, end, limit, withRev, RangeRequest.SortOrder.NONE,
                        RangeRequest.SortTarget.KEY, false, false, 0, 0, 0, 0));
            } catch (CompactedException e) {
                if (continuing) {
                    ApiException expired = ApiException.expired(INCONSISTENT_CONTINUE);
                    String restart = new ContinueToken(-1, relative(rootPrefix, start)).encode();
                    expired.status().getMetadata().setContinue(restart);
                    throw expired;
                }
                throw ApiException.expired("too old resource version: " + withRev + " (" + e.compactRevision() + ")");
            } catch (FutureRevisionException e) {
                throw tooLarge(withRev, store.status().revision());
            }
            if (withRev == 0) {
                withRev = response.revision(); // later pages read the same snapshot
            }
            List<KeyValue> kvs = response.kvs();
            for (int i = 0; i < kvs.size(); i++) {
                T object = decode(kvs.get(i));
                lastKey = kvs.get(i).key();
                if (options.predicate().test(object)) {
                    items.add(object);
                }
                if (limit > 0 && items.size() == limit) {
                    hasMore = i < kvs.size() - 1 || response.more();
                    if (hasMore && options.matchesEverything()) {
                        remaining = response.count() - (i + 1);
                    }
                    break;
                }
            }
            if (limit > 0 && items.size() == limit || !response.more() || kvs.isEmpty()) {
                break;
            }
            start = lastKey.concat(ByteString.copyFrom(new byte[] {0}));
        }
        if (minimum > 0 && withRev < minimum) {
            throw tooLarge(minimum, withRev);
        }
        String next = hasMore
                ? new ContinueToken(withRev, relative(rootPrefix, lastKey.concat(ByteString.copyFrom(new byte[] {0})))).encode()
                : null;
        return new ListResult<>(items, Long.toString(withRev), next, remaining);
    }

    /** The store's current revision: the resourceVersion a consistent read would report now. */
    public long currentRevision() {
        return store.status().revision();
    }

    public static long parseResourceVersion(String rv) {
        try {
            long value = Long.parseLong(rv);
            if (value >= 0) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // fall through to the upstream wording
        }
        throw ApiException.badRequest("invalid resource version: " + rv);
    }

    private T decode(KeyValue kv) {
        return codec.decode(kv.value(), resource.type(), kv.modRevision());
    }

    private TxnResponse guarded(ByteString key, long modRevision, dev.skiff.store.Op op) {
        return store.txn(new TxnRequest(List.of(Compare.modRevision(key, Compare.Result.EQUAL, modRevision)),
                List.of(op), List.of()));
    }

    /**
     * A stale resourceVersion on update reads as upstream's registry Update (the optimistic-lock
     * message); on delete as upstream's Preconditions.Check. A UID mismatch always reads as the latter.
     */
    private void checkPreconditions(String name, Preconditions preconditions, T existing, boolean update) {
        preconditions.violation(existing).ifPresent(reason -> {
            boolean staleVersion = reason.contains("ResourceVersion in precondition");
            throw conflict(name, update && staleVersion ? OPTIMISTIC_LOCK_MESSAGE : reason);
        });
    }

    private ByteString key(String namespace, String name) {
        return ByteString.copyFromUtf8(resource.key(namespace, name));
    }

    private static String relative(String rootPrefix, ByteString key) {
        return key.toStringUtf8().substring(rootPrefix.length());
    }

    private ApiException notFound(String name) {
        return ApiException.notFound(resource.group(), resource.plural(), name);
    }

    private ApiException alreadyExists(String name) {
        return ApiException.alreadyExists(resource.group(), resource.plural(), name);
    }

    private ApiException conflict(String name, String detail) {
        return ApiException.conflict(resource.group(), resource.plural(), name, detail);
    }

    /** Upstream answers 504 Timeout "Too large resource version"; api has no 504 factory yet, so 503 with the same words. */
    private static ApiException tooLarge(long requested, long current) {
        return ApiException.serviceUnavailable("Too large resource version: " + requested + ", current: " + current);
    }
}
