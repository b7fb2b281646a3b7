package dev.skiff.registry.rbac.role;

import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.registry.generic.Strategy;
import dev.skiff.registry.rbac.RbacValidation;
import dev.skiff.registry.storage.Resource;
import io.fabric8.kubernetes.api.model.rbac.Role;
import java.util.List;

/** Roles as upstream's pkg/registry/rbac/role: stored and served; their rules are validated, not enforced. */
public final class RoleStrategy implements Strategy<Role> {
    public static final Resource<Role> RESOURCE =
            Resource.of(RbacValidation.GROUP, "roles", "Role", true, Role.class, Role::new);

    @Override
    public boolean namespaced() {
        return true;
    }

    @Override
    public List<Cause> validate(Role role) {
        return RbacValidation.rules(role.getRules(), true);
    }

    @Override
    public List<Cause> validateUpdate(Role role, Role old) {
        return validate(role);
    }
}
