package dev.skiff.apiserver.registry.authorization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.apiserver.authn.UserInfo;
import dev.skiff.apiserver.authz.AlwaysAllowAuthorizer;
import dev.skiff.apiserver.authz.Authorizer;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class SubjectAccessReviewsTest {
    private final UserInfo caller = new UserInfo("system:admin", List.of("system:masters"));

    private static SubjectAccessReview review(String user) {
        return new SubjectAccessReviewBuilder().withNewSpec().withUser(user).withNewResourceAttributes().withVerb("delete")
                .withGroup("apps").withResource("deployments").withNamespace("prod").withName("web").endResourceAttributes().endSpec().build();
    }

    @Test
    void theAuthorizerDecidesForTheNamedUserWithTheRequestsAttributes() {
        var seen = new java.util.ArrayList<String>();
        Authorizer denyAlice = (user, request) -> {
            seen.add(user.name() + " " + request.verb() + " " + request.apiGroup() + "/" + request.resource() + " "
                    + request.namespace() + "/" + request.name());
            return user.name().equals("alice") ? new Authorizer.Authorization(Authorizer.Decision.DENY, "alice may not")
                    : Authorizer.Authorization.allow();
        };
        var reviews = new SubjectAccessReviews(denyAlice);
        var denied = reviews.create(review("alice"), caller).getStatus();
        assertThat(denied.getAllowed()).isFalse();
        assertThat(denied.getDenied()).isTrue();
        assertThat(denied.getReason()).isEqualTo("alice may not");
        assertThat(reviews.create(review("bob"), caller).getStatus().getAllowed()).isTrue();
        assertThat(seen).containsExactly("alice delete apps/deployments prod/web", "bob delete apps/deployments prod/web");
    }

    @Test
    void aReviewNeedsAUserAndOneKindOfAttributes() {
        var reviews = new SubjectAccessReviews(new AlwaysAllowAuthorizer());
        assertThatThrownBy(() -> reviews.create(review(""), caller))
                .hasMessage("SubjectAccessReview.authorization.k8s.io \"\" is invalid: spec.user: Invalid value: \"\": at least one of user or group must be specified");
        var both = review("bob");
        both.getSpec().setNonResourceAttributes(new io.fabric8.kubernetes.api.model.authorization.v1.NonResourceAttributes("/healthz", "get"));
        assertThatThrownBy(() -> reviews.create(both, caller)).hasMessageContaining(
                "spec.nonResourceAttributes: Invalid value: \"\": cannot be specified in combination with resourceAttributes");
    }
}
