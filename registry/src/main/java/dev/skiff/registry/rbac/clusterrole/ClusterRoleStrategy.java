package dev.skiff.registry.rbac.clusterrole;

import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.registry.generic.Strategy;
import dev.skiff.registry.rbac.RbacValidation;
import dev.skiff.registry.storage.Resource;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import java.util.List;

/** ClusterRoles as upstream's pkg/registry/rbac/clusterrole: stored and served; their rules are validated, not enforced. */
public final class ClusterRoleStrategy implements Strategy<ClusterRole> {
    public static final Resource<ClusterRole> RESOURCE =
            Resource.of(RbacValidation.GROUP, "clusterroles", "ClusterRole", false, ClusterRole.class, ClusterRole::new);

    @Override
    public boolean namespaced() {
        return false;
    }

    @Override
    public List<Cause> validate(ClusterRole role) {
        return RbacValidation.rules(role.getRules(), false);
    }

    @Override
    public List<Cause> validateUpdate(ClusterRole role, ClusterRole old) {
        return validate(role);
    }
}
