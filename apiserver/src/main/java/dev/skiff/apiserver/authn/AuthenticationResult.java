package dev.skiff.apiserver.authn;

/** One authenticator's verdict on a request's credentials. */
public sealed interface AuthenticationResult {
    /** The credentials this authenticator understands are valid and name this user. */
    record Authenticated(UserInfo user) implements AuthenticationResult {
    }

    /** No credentials of this authenticator's kind: let the next one try. */
    record NotPresented() implements AuthenticationResult {
    }

    /** Credentials of this kind were presented and are not valid (logged, never sent to the client). */
    record Rejected(String reason) implements AuthenticationResult {
    }
}
