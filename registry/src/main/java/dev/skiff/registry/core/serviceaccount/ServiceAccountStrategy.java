package dev.skiff.registry.core.serviceaccount;

import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.registry.generic.Strategy;
import dev.skiff.registry.storage.Resource;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import java.util.List;

/** ServiceAccounts as upstream's pkg/registry/core/serviceaccount: metadata rules only (the token subresource is not served). */
public final class ServiceAccountStrategy implements Strategy<ServiceAccount> {
    public static final Resource<ServiceAccount> RESOURCE =
            Resource.of("", "serviceaccounts", "ServiceAccount", true, ServiceAccount.class, ServiceAccount::new);

    @Override
    public boolean namespaced() {
        return true;
    }

    @Override
    public List<Cause> validate(ServiceAccount serviceAccount) {
        return List.of();
    }

    @Override
    public List<Cause> validateUpdate(ServiceAccount serviceAccount, ServiceAccount old) {
        return List.of();
    }
}
