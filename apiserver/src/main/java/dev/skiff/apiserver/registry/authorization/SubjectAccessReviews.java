package dev.skiff.apiserver.registry.authorization;

import dev.skiff.api.errors.ApiException;
import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.apiserver.authn.UserInfo;
import dev.skiff.apiserver.authz.Authorizer;
import dev.skiff.apiserver.request.RequestInfo;
import io.fabric8.kubernetes.api.model.authorization.v1.NonResourceAttributes;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceAttributes;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewStatus;
import java.util.ArrayList;
import java.util.List;

/**
 * authorization.k8s.io selfsubjectaccessreviews and subjectaccessreviews (upstream's
 * pkg/registry/authorization): asks the server's authorizer whether the caller (or the named
 * user) may do what the attributes describe, as it would decide for a real request.
 */
public final class SubjectAccessReviews {
    private final Authorizer authorizer;

    public SubjectAccessReviews(Authorizer authorizer) {
        this.authorizer = authorizer;
    }

    public SelfSubjectAccessReview createSelf(SelfSubjectAccessReview input, UserInfo caller) {
        var spec = input.getSpec() == null ? new io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewSpec() : input.getSpec();
        List<Cause> causes = attributes(spec.getResourceAttributes(), spec.getNonResourceAttributes());
        if (!causes.isEmpty()) {
            throw ApiException.invalid("authorization.k8s.io", "SelfSubjectAccessReview", "", causes);
        }
        SelfSubjectAccessReview review = new SelfSubjectAccessReview();
        review.setMetadata(input.getMetadata());
        review.setSpec(spec);
        review.setStatus(decide(caller, spec.getResourceAttributes(), spec.getNonResourceAttributes()));
        return review;
    }

    public SubjectAccessReview create(SubjectAccessReview input, UserInfo caller) {
        var spec = input.getSpec() == null ? new io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewSpec() : input.getSpec();
        List<Cause> causes = new ArrayList<>(attributes(spec.getResourceAttributes(), spec.getNonResourceAttributes()));
        boolean noUser = (spec.getUser() == null || spec.getUser().isEmpty()) && (spec.getGroups() == null || spec.getGroups().isEmpty());
        if (noUser) {
            causes.add(Cause.invalid("spec.user", "", "at least one of user or group must be specified"));
        }
        if (!causes.isEmpty()) {
            throw ApiException.invalid("authorization.k8s.io", "SubjectAccessReview", "", causes);
        }
        SubjectAccessReview review = new SubjectAccessReview();
        review.setMetadata(input.getMetadata());
        review.setSpec(spec);
        UserInfo subject = new UserInfo(spec.getUser() == null ? "" : spec.getUser(), spec.getGroups() == null ? List.of() : spec.getGroups());
        review.setStatus(decide(subject, spec.getResourceAttributes(), spec.getNonResourceAttributes()));
        return review;
    }

    /** Upstream's ValidateSubjectAccessReviewSpec: exactly one of resourceAttributes and nonResourceAttributes. */
    private static List<Cause> attributes(ResourceAttributes resource, NonResourceAttributes nonResource) {
        if (resource == null && nonResource == null) {
            return List.of(Cause.invalid("spec.resourceAttributes", "", "exactly one of nonResourceAttributes or resourceAttributes must be specified"));
        }
        if (resource != null && nonResource != null) {
            return List.of(Cause.invalid("spec.nonResourceAttributes", "", "cannot be specified in combination with resourceAttributes"));
        }
        return List.of();
    }

    private SubjectAccessReviewStatus decide(UserInfo user, ResourceAttributes resource, NonResourceAttributes nonResource) {
        RequestInfo request = resource != null
                ? new RequestInfo(true, "", str(resource.getVerb()), "", str(resource.getGroup()), str(resource.getVersion()),
                        str(resource.getNamespace()), str(resource.getResource()), str(resource.getSubresource()), str(resource.getName()))
                : RequestInfo.nonResource(str(nonResource.getPath()), str(nonResource.getVerb()));
        Authorizer.Authorization decision = authorizer.authorize(user, request);
        SubjectAccessReviewStatus status = new SubjectAccessReviewStatus();
        status.setAllowed(decision.decision() == Authorizer.Decision.ALLOW);
        if (decision.decision() == Authorizer.Decision.DENY) {
            status.setDenied(true);
        }
        if (!decision.reason().isEmpty()) {
            status.setReason(decision.reason());
        }
        return status;
    }

    private static String str(String s) {
        return s == null ? "" : s;
    }
}
