package dev.skiff.apiserver.authz;

import dev.skiff.apiserver.authn.UserInfo;
import dev.skiff.apiserver.request.RequestInfo;

/** Upstream's AlwaysAllow mode: every authenticated user may do anything, until RBAC lands. */
public final class AlwaysAllowAuthorizer implements Authorizer {
    @Override
    public Authorization authorize(UserInfo user, RequestInfo request) {
        return Authorization.allow();
    }
}
