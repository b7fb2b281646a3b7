package dev.skiff.registry.coordination.lease;

import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.registry.generic.Strategy;
import dev.skiff.registry.storage.Resource;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * coordination.k8s.io/v1 Leases as upstream's pkg/registry/coordination/lease strategy and
 * ValidateLeaseSpec: namespaced, no status, updatable without a resourceVersion (leader
 * election always sends one; kubelet heartbeats may not).
 */
public final class LeaseStrategy implements Strategy<Lease> {
    public static final Resource<Lease> RESOURCE =
            Resource.of("coordination.k8s.io", "leases", "Lease", true, Lease.class, Lease::new);
    /** The one coordinated leader election strategy upstream supports. */
    static final List<String> STRATEGIES = List.of("OldestEmulationVersion");

    @Override
    public boolean namespaced() {
        return true;
    }

    @Override
    public List<Cause> validate(Lease lease) {
        List<Cause> causes = new ArrayList<>(); // name (a DNS subdomain) and metadata are checked by the generic registry
        LeaseSpec spec = lease.getSpec();
        if (spec == null) {
            return causes;
        }
        if (spec.getLeaseDurationSeconds() != null && spec.getLeaseDurationSeconds() <= 0) {
            causes.add(Cause.invalid("spec.leaseDurationSeconds", spec.getLeaseDurationSeconds(), "must be greater than 0"));
        }
        if (spec.getLeaseTransitions() != null && spec.getLeaseTransitions() < 0) {
            causes.add(Cause.invalid("spec.leaseTransitions", spec.getLeaseTransitions(), "must be greater than or equal to 0"));
        }
        if (spec.getStrategy() != null && !STRATEGIES.contains(spec.getStrategy())) {
            causes.add(Cause.notSupported("spec.strategy", spec.getStrategy(), STRATEGIES));
        }
        if (spec.getPreferredHolder() != null && !spec.getPreferredHolder().isEmpty() && spec.getStrategy() == null) {
            causes.add(Cause.forbidden("spec.preferredHolder", "may only be specified if `strategy` is defined"));
        }
        return causes;
    }

    @Override
    public List<Cause> validateUpdate(Lease lease, Lease old) {
        return validate(lease);
    }
}
