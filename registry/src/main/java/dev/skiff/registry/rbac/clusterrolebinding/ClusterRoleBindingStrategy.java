package dev.skiff.registry.rbac.clusterrolebinding;

import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.registry.generic.Strategy;
import dev.skiff.registry.rbac.RbacValidation;
import dev.skiff.registry.storage.Resource;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import java.util.ArrayList;
import java.util.List;

/** ClusterRoleBindings as upstream's pkg/registry/rbac/clusterrolebinding: roleRef and subjects validated, roleRef immutable; not enforced. */
public final class ClusterRoleBindingStrategy implements Strategy<ClusterRoleBinding> {
    public static final Resource<ClusterRoleBinding> RESOURCE =
            Resource.of(RbacValidation.GROUP, "clusterrolebindings", "ClusterRoleBinding", false, ClusterRoleBinding.class, ClusterRoleBinding::new);

    @Override
    public boolean namespaced() {
        return false;
    }

    @Override
    public void prepareForCreate(ClusterRoleBinding binding) {
        RbacValidation.defaultSubjects(binding.getSubjects());
    }

    @Override
    public void prepareForUpdate(ClusterRoleBinding binding, ClusterRoleBinding old) {
        RbacValidation.defaultSubjects(binding.getSubjects());
    }

    @Override
    public List<Cause> validate(ClusterRoleBinding binding) {
        return RbacValidation.binding(binding.getRoleRef(), binding.getSubjects(), List.of("ClusterRole"), false);
    }

    @Override
    public List<Cause> validateUpdate(ClusterRoleBinding binding, ClusterRoleBinding old) {
        List<Cause> causes = new ArrayList<>(validate(binding));
        causes.addAll(RbacValidation.roleRefUpdate(binding.getRoleRef(), old.getRoleRef()));
        return causes;
    }
}
