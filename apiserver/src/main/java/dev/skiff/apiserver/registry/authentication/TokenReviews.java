package dev.skiff.apiserver.registry.authentication;

import dev.skiff.api.errors.ApiException;
import dev.skiff.apiserver.authn.AuthenticationResult;
import dev.skiff.apiserver.authn.AuthenticationResult.Authenticated;
import dev.skiff.apiserver.authn.AuthenticationResult.Rejected;
import dev.skiff.apiserver.authn.Credentials;
import dev.skiff.apiserver.authn.RequestAuthenticator;
import dev.skiff.apiserver.authn.UserInfo;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewStatus;
import java.util.List;
import java.util.function.Supplier;

/**
 * authentication.k8s.io tokenreviews (upstream's pkg/registry/authentication/tokenreview): checks
 * {@code spec.token} against the server's own authenticators, as a bearer token would be, for the
 * audiences in {@code spec.audiences} (the API server's when empty).
 */
public final class TokenReviews {
    private final Supplier<RequestAuthenticator> authenticator;

    /** {@code authenticator} is the server's, available once it listens. */
    public TokenReviews(Supplier<RequestAuthenticator> authenticator) {
        this.authenticator = authenticator;
    }

    public TokenReview create(TokenReview input, UserInfo caller) {
        String token = input.getSpec() == null ? null : input.getSpec().getToken();
        if (token == null || token.isEmpty()) {
            throw ApiException.badRequest("token is required for TokenReview in authentication");
        }
        TokenReview review = new TokenReview();
        review.setMetadata(input.getMetadata());
        review.setSpec(input.getSpec());
        TokenReviewStatus status = new TokenReviewStatus();
        switch (authenticator.get().review(new Credentials(List.of(), "Bearer " + token, input.getSpec().getAudiences()))) {
            case Authenticated(UserInfo user, List<String> audiences) -> {
                status.setAuthenticated(true);
                status.setUser(userInfo(user));
                // audience-aware authenticators (service-account tokens) say which of the asked-for audiences matched
                status.setAudiences(audiences != null ? audiences : input.getSpec().getAudiences());
            }
            case Rejected(String reason) -> {
                status.setAuthenticated(false);
                status.setError(reason.isEmpty() ? null : reason);
            }
            case AuthenticationResult.NotPresented ignored -> status.setAuthenticated(false);
        }
        review.setStatus(status);
        return review;
    }

    static io.fabric8.kubernetes.api.model.authentication.UserInfo userInfo(UserInfo user) {
        var info = new io.fabric8.kubernetes.api.model.authentication.UserInfo();
        info.setUsername(user.name());
        info.setUid(user.uid().isEmpty() ? null : user.uid());
        info.setGroups(user.groups());
        info.setExtra(user.extra().isEmpty() ? null : new java.util.LinkedHashMap<>(user.extra()));
        return info;
    }
}
