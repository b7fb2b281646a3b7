package dev.skiff.apiserver.authn;

import dev.skiff.apiserver.authn.AuthenticationResult.Authenticated;
import dev.skiff.apiserver.authn.AuthenticationResult.NotPresented;
import dev.skiff.apiserver.authn.AuthenticationResult.Rejected;
import dev.skiff.apiserver.serviceaccount.ServiceAccountTokens;

/**
 * Bearer tokens that are service-account JWTs of this cluster's issuer (upstream's
 * serviceaccount JWTTokenAuthenticator): the user is {@code system:serviceaccount:NS:NAME} with its
 * groups, uid and the bound pod as extra. JWTs of another issuer and other tokens are left to the
 * next authenticator.
 */
public final class ServiceAccountTokenAuthenticator implements Authenticator {
    private final ServiceAccountTokens tokens;

    public ServiceAccountTokenAuthenticator(ServiceAccountTokens tokens) {
        this.tokens = tokens;
    }

    @Override
    public AuthenticationResult authenticate(Credentials credentials) {
        String token = credentials.bearerToken();
        if (token == null) {
            return new NotPresented();
        }
        return switch (tokens.validate(token, credentials.audiences())) {
            case ServiceAccountTokens.NotServiceAccountToken ignored -> new NotPresented();
            case ServiceAccountTokens.Invalid(String reason) -> new Rejected(reason);
            case ServiceAccountTokens.Valid(UserInfo user, java.util.List<String> audiences) -> new Authenticated(user, audiences);
        };
    }
}
