package dev.skiff.apiserver.authz;

import dev.skiff.api.errors.ApiException;
import dev.skiff.apiserver.authn.UserInfo;
import dev.skiff.apiserver.authz.Authorizer.Decision;
import dev.skiff.apiserver.request.RequestInfo;

/** The authorization stage: anything but an explicit allow is 403 Forbidden, worded as upstream. */
public final class RequestAuthorizer {
    private final Authorizer authorizer;

    public RequestAuthorizer(Authorizer authorizer) {
        this.authorizer = authorizer;
    }

    public void authorize(UserInfo user, RequestInfo request) {
        var result = authorizer.authorize(user, request);
        // the decision and reason on the request's audit event, as upstream's authorization filter records them
        dev.skiff.apiserver.audit.Auditor.addAnnotation(dev.skiff.apiserver.audit.Auditor.DECISION_ANNOTATION,
                result.decision() == Decision.ALLOW ? "allow" : "forbid");
        dev.skiff.apiserver.audit.Auditor.addAnnotation(dev.skiff.apiserver.audit.Auditor.REASON_ANNOTATION,
                result.reason() == null ? "" : result.reason());
        if (result.decision() != Decision.ALLOW) {
            throw ApiException.forbidden(message(user, request, result.reason()));
        }
    }

    static String message(UserInfo user, RequestInfo r, String reason) {
        String msg;
        if (!r.resourceRequest()) {
            msg = "forbidden: User \"" + user.name() + "\" cannot " + r.verb() + " path \"" + r.path() + "\"";
        } else {
            String resource = r.subresource().isEmpty() ? r.resource() : r.resource() + "/" + r.subresource();
            String what = r.apiGroup().isEmpty() ? r.resource() : r.resource() + "." + r.apiGroup();
            msg = (r.name().isEmpty() ? what : what + " \"" + r.name() + "\"") + " is forbidden: User \"" + user.name()
                    + "\" cannot " + r.verb() + " resource \"" + resource + "\" in API group \"" + r.apiGroup() + "\""
                    + (r.namespace().isEmpty() ? " at the cluster scope" : " in the namespace \"" + r.namespace() + "\"");
        }
        return reason == null || reason.isEmpty() ? msg : msg + ": " + reason;
    }
}
