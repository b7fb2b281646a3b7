package dev.skiff.apiserver.registry.authentication;

import dev.skiff.apiserver.authn.UserInfo;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.authentication.SelfSubjectReview;
import io.fabric8.kubernetes.api.model.authentication.SelfSubjectReviewStatus;

/** authentication.k8s.io selfsubjectreviews (upstream's pkg/registry/authentication/selfsubjectreview): who the caller is. */
public final class SelfSubjectReviews {
    private SelfSubjectReviews() {
    }

    public static SelfSubjectReview create(SelfSubjectReview input, UserInfo user) {
        SelfSubjectReview review = new SelfSubjectReview();
        ObjectMeta meta = new ObjectMeta();
        meta.setCreationTimestamp(null);
        review.setMetadata(meta);
        SelfSubjectReviewStatus status = new SelfSubjectReviewStatus();
        status.setUserInfo(TokenReviews.userInfo(user));
        review.setStatus(status);
        return review;
    }
}
