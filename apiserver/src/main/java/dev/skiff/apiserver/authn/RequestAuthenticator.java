package dev.skiff.apiserver.authn;

import dev.skiff.api.errors.ApiException;
import dev.skiff.apiserver.authn.AuthenticationResult.Authenticated;
import dev.skiff.apiserver.authn.AuthenticationResult.Rejected;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The authentication stage: the first authenticator that recognises the request wins, and every
 * authenticated user gets {@code system:authenticated}, as upstream's union authenticator with
 * its group adder. Anonymous requests are not allowed (k3s runs with --anonymous-auth=false).
 */
public final class RequestAuthenticator {
    private static final Logger log = LoggerFactory.getLogger(RequestAuthenticator.class);
    private final List<Authenticator> authenticators;

    public RequestAuthenticator(List<Authenticator> authenticators) {
        this.authenticators = List.copyOf(authenticators);
    }

    /** The user, or 401 Unauthorized (the reason goes to the debug log only, never to the client). */
    public UserInfo authenticate(Credentials credentials) {
        return switch (review(credentials)) {
            case Authenticated(UserInfo user, List<String> audiences) -> user;
            case Rejected(String reason) -> {
                log.debug("authentication failed reason=\"{}\"", reason.isEmpty() ? "no credentials" : reason);
                throw ApiException.unauthorized("Unauthorized");
            }
            case AuthenticationResult.NotPresented ignored -> throw new IllegalStateException("review never answers NotPresented");
        };
    }

    /**
     * The first authenticator's user (in system:authenticated) with the audiences the credential was
     * found valid for, or Rejected with every authenticator's reason, joined as upstream's union
     * aggregates them (empty when none understood the credential): what a TokenReview's status says.
     */
    public AuthenticationResult review(Credentials credentials) {
        var reasons = new ArrayList<String>();
        for (var authenticator : authenticators) {
            switch (authenticator.authenticate(credentials)) {
                case Authenticated(UserInfo user, List<String> audiences) -> {
                    if (user.inGroup(UserInfo.AUTHENTICATED_GROUP)) {
                        return new Authenticated(user, audiences);
                    }
                    var groups = new ArrayList<>(user.groups());
                    groups.add(UserInfo.AUTHENTICATED_GROUP);
                    return new Authenticated(user.withGroups(groups), audiences);
                }
                case Rejected(String reason) -> reasons.add(reason);
                case AuthenticationResult.NotPresented ignored -> { }
            }
        }
        return new Rejected(reasons.size() == 1 ? reasons.getFirst() : reasons.isEmpty() ? "" : "[" + String.join(", ", reasons) + "]");
    }
}
