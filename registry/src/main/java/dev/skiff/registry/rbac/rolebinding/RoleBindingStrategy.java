package dev.skiff.registry.rbac.rolebinding;

import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.registry.generic.Strategy;
import dev.skiff.registry.rbac.RbacValidation;
import dev.skiff.registry.storage.Resource;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.util.ArrayList;
import java.util.List;

/** RoleBindings as upstream's pkg/registry/rbac/rolebinding: roleRef and subjects validated, roleRef immutable; not enforced. */
public final class RoleBindingStrategy implements Strategy<RoleBinding> {
    public static final Resource<RoleBinding> RESOURCE =
            Resource.of(RbacValidation.GROUP, "rolebindings", "RoleBinding", true, RoleBinding.class, RoleBinding::new);

    @Override
    public boolean namespaced() {
        return true;
    }

    @Override
    public void prepareForCreate(RoleBinding binding) {
        RbacValidation.defaultSubjects(binding.getSubjects());
    }

    @Override
    public void prepareForUpdate(RoleBinding binding, RoleBinding old) {
        RbacValidation.defaultSubjects(binding.getSubjects());
    }

    @Override
    public List<Cause> validate(RoleBinding binding) {
        return RbacValidation.binding(binding.getRoleRef(), binding.getSubjects(), List.of("Role", "ClusterRole"), true);
    }

    @Override
    public List<Cause> validateUpdate(RoleBinding binding, RoleBinding old) {
        List<Cause> causes = new ArrayList<>(validate(binding));
        causes.addAll(RbacValidation.roleRefUpdate(binding.getRoleRef(), old.getRoleRef()));
        return causes;
    }
}
