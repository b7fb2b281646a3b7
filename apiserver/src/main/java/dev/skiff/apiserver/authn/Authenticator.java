package dev.skiff.apiserver.authn;

/**
 * Checks one kind of credential (client certificate, bearer token, ...). Must not block: it runs
 * for every request before anything else.
 */
public interface Authenticator {
    AuthenticationResult authenticate(Credentials credentials);
}
