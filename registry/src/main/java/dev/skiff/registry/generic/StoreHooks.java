package dev.skiff.registry.generic;

import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * Work beside an object's own store write that must stand or fall with it, as upstream's Store
 * BeginCreate / BeginUpdate / AfterDelete (e.g. a service's cluster IP and node ports). The begin
 * hooks run after validation, right before the write, and may still fill in the object; the
 * registry commits their {@link Transaction} when the write happened and reverts it when it did not.
 */
public interface StoreHooks<T extends HasMetadata> {

    /** What a begin hook reserved: {@code commit} after the write (e.g. release what the old object held), {@code revert} otherwise. */
    interface Transaction {
        Transaction NONE = new Transaction() {
            @Override
            public void commit() {
            }

            @Override
            public void revert() {
            }
        };

        void commit();

        void revert();
    }

    default Transaction beginCreate(T object, boolean dryRun) {
        return Transaction.NONE;
    }

    default Transaction beginUpdate(T object, T old, boolean dryRun) {
        return Transaction.NONE;
    }

    /** After {@code removed} (its last stored state) left the store. */
    default void afterDelete(T removed, boolean dryRun) {
    }
}
