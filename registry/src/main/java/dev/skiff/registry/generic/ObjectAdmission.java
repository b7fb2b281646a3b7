package dev.skiff.registry.generic;

import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * The validating admission a request hands the registry (upstream's rest.ValidateObjectFunc and
 * ValidateObjectUpdateFunc): run on the object about to be written - after the strategy prepared and
 * validated it, before the store write, on each attempt of a retried update - and refusing by
 * throwing. What it reserved beside the object (a quota's usage) comes back as a transaction the
 * registry commits when the write happened and reverts when it did not.
 */
@FunctionalInterface
public interface ObjectAdmission {
    ObjectAdmission NONE = (object, old, dryRun) -> StoreHooks.Transaction.NONE;

    /** {@code old} is null for a create. */
    StoreHooks.Transaction admit(HasMetadata object, HasMetadata old, boolean dryRun);

    /** Both transactions as one: committed and reverted together. */
    static StoreHooks.Transaction both(StoreHooks.Transaction first, StoreHooks.Transaction second) {
        return new StoreHooks.Transaction() {
            @Override
            public void commit() {
                first.commit();
                second.commit();
            }

            @Override
            public void revert() {
                second.revert();
                first.revert();
            }
        };
    }

    /** Admits, then begins the store hooks; a hook that fails reverts what admission reserved. */
    static StoreHooks.Transaction admitThenBegin(StoreHooks.Transaction admitted, java.util.function.Supplier<StoreHooks.Transaction> begin) {
        try {
            return both(admitted, begin.get());
        } catch (RuntimeException e) {
            admitted.revert();
            throw e;
        }
    }
}
