package dev.skiff.apiserver.serviceaccount;

import java.util.List;

/**
 * How a service account appears as a user (upstream's k8s.io/apiserver/pkg/authentication/serviceaccount):
 * {@code system:serviceaccount:NS:NAME}, in the groups {@code system:serviceaccounts} and
 * {@code system:serviceaccounts:NS}, with the bound pod and node as extra attributes.
 */
public final class ServiceAccountUser {
    public static final String USERNAME_PREFIX = "system:serviceaccount:";
    public static final String ALL_GROUP = "system:serviceaccounts";
    public static final String POD_NAME_KEY = "authentication.kubernetes.io/pod-name";
    public static final String POD_UID_KEY = "authentication.kubernetes.io/pod-uid";
    public static final String NODE_NAME_KEY = "authentication.kubernetes.io/node-name";
    public static final String NODE_UID_KEY = "authentication.kubernetes.io/node-uid";
    public static final String CREDENTIAL_ID_KEY = "authentication.kubernetes.io/credential-id";

    private ServiceAccountUser() {
    }

    public static String username(String namespace, String name) {
        return USERNAME_PREFIX + namespace + ":" + name;
    }

    public static List<String> groups(String namespace) {
        return List.of(ALL_GROUP, ALL_GROUP + ":" + namespace);
    }
}
