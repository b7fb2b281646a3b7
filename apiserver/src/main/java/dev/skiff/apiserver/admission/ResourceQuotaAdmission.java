package dev.skiff.apiserver.admission;

import dev.skiff.api.errors.ApiException;
import dev.skiff.api.quota.Evaluator;
import dev.skiff.api.quota.Evaluators;
import dev.skiff.api.quota.ResourceLists;
import dev.skiff.registry.generic.GenericRegistry;
import dev.skiff.registry.generic.StoreHooks;
import dev.skiff.registry.storage.ListOptions;
import dev.skiff.registry.storage.Preconditions;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import io.fabric8.kubernetes.api.model.ResourceQuotaBuilder;
import io.fabric8.kubernetes.api.model.ResourceQuotaStatus;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Upstream's ResourceQuota admission plugin: a create (or an update of a service or claim that
 * grows its usage) in a namespace with quotas is measured by the resource's {@link Evaluator} and
 * refused with 403 when it would take any matching quota past {@code status.hard} ("exceeded
 * quota: q, requested: pods=1, used: pods=2, limited: pods=2"), when a quota tracking cpu or memory
 * meets a container that does not state them ("failed quota: q: must specify ..."), or when the quota
 * controller has not yet counted a tracked resource ("status unknown for quota"). Admitted usage is
 * added to {@code status.used} at once, through an optimistic-concurrency update of each quota
 * that re-checks against the stored quota, so concurrent writes cannot together overshoot; a write
 * that then fails gives the usage back. Dry runs are checked and charge nothing. Subresources are
 * not charged.
 */
public final class ResourceQuotaAdmission implements AdmissionPlugin {
    public static final String NAME = "ResourceQuota";

    private static final Logger LOG = LoggerFactory.getLogger(ResourceQuotaAdmission.class);
    private final GenericRegistry<ResourceQuota> quotas;
    private final Clock clock;
    private static final Lock[] LOCKS = new Lock[64];

    static {
        for (int i = 0; i < LOCKS.length; i++) {
            LOCKS[i] = new ReentrantLock();
        }
    }

    public ResourceQuotaAdmission(GenericRegistry<ResourceQuota> quotas, Clock clock) {
        this.quotas = quotas;
        this.clock = clock;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean handles(AdmissionAttributes attributes) {
        return false; // nothing to do on the raw body: quota works on the decoded object
    }

    @Override
    public StoreHooks.Transaction validateObject(ObjectAttributes a) {
        var info = a.request();
        String namespace = a.object().getMetadata().getNamespace();
        if (!info.subresource().isEmpty() || namespace == null || namespace.isEmpty()) {
            return StoreHooks.Transaction.NONE;
        }
        Evaluator evaluator = Evaluators.forResource(info.apiGroup(), info.resource());
        if (!evaluator.handles(a.create())) {
            return StoreHooks.Transaction.NONE;
        }
        // one charge at a time per namespace in this server, as upstream's evaluator works a namespace
        // on one worker: concurrent writes would otherwise spin on the quota's compare-and-swap
        Lock lock = LOCKS[Math.floorMod(namespace.hashCode(), LOCKS.length)];
        lock.lock();
        try {
            return check(a, evaluator, namespace);
        } finally {
            lock.unlock();
        }
    }

    private StoreHooks.Transaction check(ObjectAttributes a, Evaluator evaluator, String namespace) {
        List<ResourceQuota> all = new ArrayList<>(quotas.list(namespace, ListOptions.latest()).items());
        if (all.isEmpty()) {
            return StoreHooks.Transaction.NONE;
        }
        all.sort(Comparator.comparing(q -> q.getMetadata().getName()));
        Instant now = clock.instant();
        Map<String, Quantity> usage = evaluator.usage(a.object(), now);
        Map<String, Map<String, Quantity>> deltas = new LinkedHashMap<>();
        for (var quota : all) {
            if (!evaluator.matches(quota, a.object())) {
                continue;
            }
            Set<String> restricted = evaluator.matchingResources(hard(quota.getStatus()).keySet());
            String name = quota.getMetadata().getName();
            var unmet = evaluator.constraints(restricted, a.object());
            if (unmet.isPresent()) {
                throw forbidden(a, "failed quota: " + name + ": " + unmet.get());
            }
            if (!used(quota.getStatus()).keySet().containsAll(restricted)) {
                throw forbidden(a, "status unknown for quota: " + name + ", resources: " + ResourceLists.prettyPrintNames(restricted));
            }
            Map<String, Quantity> delta = usage;
            if (!a.create() && evaluator.matches(quota, a.old())) {
                delta = ResourceLists.subtractNonNegative(usage, evaluator.usage(a.old(), now));
            }
            delta = ResourceLists.mask(ResourceLists.removeZeros(delta), hard(quota.getStatus()).keySet());
            if (!delta.isEmpty()) { // a quota none of whose limits this changes is not written
                deltas.put(name, delta);
            }
        }
        Set<String> negative = ResourceLists.negative(usage);
        if (!negative.isEmpty()) {
            throw forbidden(a, "quota usage is negative for resource(s): " + ResourceLists.prettyPrintNames(negative));
        }
        if (a.dryRun()) {
            for (var quota : all) {
                if (deltas.containsKey(quota.getMetadata().getName())) {
                    // checked on a copy: the listed quota is the watch cache's object, shared with every reader
                    charge(a, new ResourceQuotaBuilder(quota).build(), deltas.get(quota.getMetadata().getName()));
                }
            }
            return StoreHooks.Transaction.NONE;
        }
        Map<String, Map<String, Quantity>> charged = new LinkedHashMap<>();
        try {
            for (var e : deltas.entrySet()) {
                var taken = new AtomicReference<Map<String, Quantity>>();
                quotas.guaranteedUpdate(namespace, e.getKey(), Preconditions.NONE, current -> {
                    taken.set(ResourceLists.mask(e.getValue(), hard(current.getStatus()).keySet()));
                    return charge(a, current, e.getValue());
                }, false);
                charged.put(e.getKey(), taken.get());
            }
        } catch (RuntimeException e) {
            giveBack(namespace, charged);
            if (e instanceof ApiException api && api.code() == 404) {
                throw forbidden(a, "quota was removed while being charged; retry");
            }
            throw e;
        }
        return new StoreHooks.Transaction() {
            @Override
            public void commit() {
            }

            @Override
            public void revert() {
                giveBack(namespace, charged);
            }
        };
    }

    /** The quota with {@code delta} (masked to its limits) added to status.used; refused when that exceeds status.hard. */
    private static ResourceQuota charge(ObjectAttributes a, ResourceQuota quota,
                                                                        Map<String, Quantity> delta) {
        Map<String, Quantity> hard = hard(quota.getStatus());
        Map<String, Quantity> used = used(quota.getStatus());
        Map<String, Quantity> requested = ResourceLists.mask(delta, hard.keySet());
        if (requested.isEmpty()) {
            return quota; // its limits changed meanwhile and no longer cover this
        }
        Map<String, Quantity> newUsed = ResourceLists.add(used, requested);
        Set<String> exceeded = ResourceLists.exceeding(ResourceLists.mask(newUsed, requested.keySet()), hard);
        if (!exceeded.isEmpty()) {
            throw forbidden(a, "exceeded quota: " + quota.getMetadata().getName()
                    + ", requested: " + ResourceLists.prettyPrint(ResourceLists.mask(requested, exceeded))
                    + ", used: " + ResourceLists.prettyPrint(ResourceLists.mask(used, exceeded))
                    + ", limited: " + ResourceLists.prettyPrint(ResourceLists.mask(hard, exceeded)));
        }
        quota.getStatus().setUsed(ResourceLists.canonical(newUsed));
        return quota;
    }

    /** Takes back what a write that did not happen was charged (never below zero); the quota controller recounts anyway. */
    private void giveBack(String namespace, Map<String, Map<String, Quantity>> charged) {
        for (var e : charged.entrySet()) {
            if (e.getValue().isEmpty()) {
                continue;
            }
            try {
                quotas.guaranteedUpdate(namespace, e.getKey(), Preconditions.NONE, current -> {
                    current.getStatus().setUsed(ResourceLists.canonical(ResourceLists.subtractNonNegative(used(current.getStatus()), e.getValue())));
                    return current;
                }, false);
            } catch (RuntimeException ex) {
                LOG.warn("quota={}/{} giving back usage of a failed write failed; the quota controller recounts it: {}",
                        namespace, e.getKey(), ex.toString());
            }
        }
    }

    private static ApiException forbidden(ObjectAttributes a, String why) {
        return a.forbidden(why);
    }

    private static Map<String, Quantity> hard(ResourceQuotaStatus status) {
        return status == null || status.getHard() == null ? Map.of() : status.getHard();
    }

    private static Map<String, Quantity> used(ResourceQuotaStatus status) {
        return status == null || status.getUsed() == null ? Map.of() : status.getUsed();
    }
}
