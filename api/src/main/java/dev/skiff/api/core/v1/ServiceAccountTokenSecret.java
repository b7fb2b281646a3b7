package dev.skiff.api.core.v1;

/**
 * The well-known names of a service-account token secret, as upstream's core/v1 types.go: its type
 * (SecretTypeServiceAccountToken), the annotations naming its account (ServiceAccountNameKey,
 * ServiceAccountUIDKey) and the data keys the tokens controller fills (ServiceAccountTokenKey,
 * ServiceAccountRootCAKey, ServiceAccountNamespaceKey).
 */
public final class ServiceAccountTokenSecret {
    /** The secret type (v1.SecretTypeServiceAccountToken). */
    public static final String TYPE = "kubernetes.io/service-account-token";
    /** The annotation naming the secret's service account (v1.ServiceAccountNameKey). */
    public static final String NAME_KEY = "kubernetes.io/service-account.name";
    /** The annotation holding that account's uid, set by the tokens controller (v1.ServiceAccountUIDKey). */
    public static final String UID_KEY = "kubernetes.io/service-account.uid";
    /** The data key of the token (v1.ServiceAccountTokenKey). */
    public static final String TOKEN_KEY = "token";
    /** The data key of the root CA certificate (v1.ServiceAccountRootCAKey). */
    public static final String ROOT_CA_KEY = "ca.crt";
    /** The data key of the account's namespace (v1.ServiceAccountNamespaceKey). */
    public static final String NAMESPACE_KEY = "namespace";

    private ServiceAccountTokenSecret() {
    }
}
