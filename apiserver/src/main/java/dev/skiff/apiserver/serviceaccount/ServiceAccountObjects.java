package dev.skiff.apiserver.serviceaccount;

import dev.skiff.api.errors.ApiException;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where token issuing and checking read the objects a token names: service accounts, and the pods,
 * secrets and nodes tokens are bound to (upstream's ServiceAccountTokenGetter). Each getter throws
 * the store's ApiException (404 NotFound when the object does not exist); nodes are cluster-scoped
 * and get a null namespace. {@code secretWriter} updates a secret (conditional on its
 * resourceVersion): how a legacy token's use is recorded on its secret, as upstream's secretsWriter.
 */
public record ServiceAccountObjects(Getter<ServiceAccount> serviceAccounts, Getter<Pod> pods, Getter<Secret> secrets,
                                    Getter<Node> nodes, Consumer<Secret> secretWriter) {

    @FunctionalInterface
    public interface Getter<T> {
        T get(String namespace, String name);

        /** The object, or empty when it does not exist; other errors are thrown. */
        default Optional<T> find(String namespace, String name) {
            try {
                return Optional.of(get(namespace, name));
            } catch (ApiException e) {
                if (e.code() == 404) {
                    return Optional.empty();
                }
                throw e;
            }
        }
    }
}
