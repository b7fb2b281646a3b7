package dev.skiff.apiserver.authn;

import java.util.List;

/** One authenticator's verdict on a request's credentials. */
public sealed interface AuthenticationResult {
    /**
     * The credentials this authenticator understands are valid and name this user. {@code audiences}:
     * those of the wanted ones the credential is meant for, or null when the authenticator does not
     * know audiences (static tokens, certificates), as upstream's authenticator.Response.
     */
    record Authenticated(UserInfo user, List<String> audiences) implements AuthenticationResult {
        public Authenticated(UserInfo user) {
            this(user, null);
        }
    }

    /** No credentials of this authenticator's kind: let the next one try. */
    record NotPresented() implements AuthenticationResult {
    }

    /** Credentials of this kind were presented and are not valid (logged, never sent to the client). */
    record Rejected(String reason) implements AuthenticationResult {
    }
}
