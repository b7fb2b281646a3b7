package dev.skiff.apiserver.authz;

import dev.skiff.apiserver.authn.UserInfo;
import dev.skiff.apiserver.request.RequestInfo;

/**
 * Decides whether a user may do what a request asks (upstream's authorizer.Authorizer). Runs for
 * every request after authentication; RBAC plugs in here. Must not block.
 */
public interface Authorizer {
    Authorization authorize(UserInfo user, RequestInfo request);

    enum Decision { ALLOW, DENY, NO_OPINION }

    /** A decision and, for the denied, why (shown in the 403 message as upstream appends it). */
    record Authorization(Decision decision, String reason) {
        public static Authorization allow() {
            return new Authorization(Decision.ALLOW, "");
        }
    }
}
