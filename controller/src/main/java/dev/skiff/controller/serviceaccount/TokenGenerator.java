package dev.skiff.controller.serviceaccount;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;

/**
 * Signs the token a {@code kubernetes.io/service-account-token} secret holds for its service account
 * (upstream's serviceaccount.TokenGenerator over LegacyClaims); the API server's key and claims live
 * with the API server, which checks what this signs.
 */
@FunctionalInterface
public interface TokenGenerator {
    String generate(ServiceAccount serviceAccount, Secret secret);
}
