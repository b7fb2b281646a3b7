package dev.skiff.apiserver.registry.authentication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.api.errors.ApiException;
import dev.skiff.apiserver.authn.RequestAuthenticator;
import dev.skiff.apiserver.authn.TokenAuthenticator;
import dev.skiff.apiserver.authn.UserInfo;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TokenReviewsTest {
    private final RequestAuthenticator authenticator = new RequestAuthenticator(List.of(
            new TokenAuthenticator(Map.of("s3cret", new UserInfo("system:admin", List.of("system:masters"))))));
    private final TokenReviews reviews = new TokenReviews(() -> authenticator);
    private final UserInfo caller = new UserInfo("system:admin", List.of("system:masters", "system:authenticated"));

    private static TokenReview review(String token) {
        return new TokenReviewBuilder().withNewSpec().withToken(token).withAudiences("api").endSpec().build();
    }

    @Test
    void aKnownTokenNamesItsUser() {
        TokenReview answer = reviews.create(review("s3cret"), caller);
        assertThat(answer.getStatus().getAuthenticated()).isTrue();
        assertThat(answer.getStatus().getUser().getUsername()).isEqualTo("system:admin");
        assertThat(answer.getStatus().getUser().getGroups()).containsExactly("system:masters", "system:authenticated");
        assertThat(answer.getStatus().getAudiences()).containsExactly("api");
    }

    @Test
    void anUnknownTokenIsNotAuthenticatedAndAnEmptyOneIsABadRequest() {
        TokenReview answer = reviews.create(review("wrong"), caller);
        assertThat(answer.getStatus().getAuthenticated()).isFalse();
        assertThat(answer.getStatus().getUser()).isNull();
        assertThatThrownBy(() -> reviews.create(review(""), caller)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.code()).isEqualTo(400);
            assertThat(e.getMessage()).isEqualTo("token is required for TokenReview in authentication");
        });
    }

    @Test
    void selfSubjectReviewIsTheCaller() {
        var who = SelfSubjectReviews.create(new io.fabric8.kubernetes.api.model.authentication.SelfSubjectReview(), caller);
        assertThat(who.getStatus().getUserInfo().getUsername()).isEqualTo("system:admin");
        assertThat(who.getStatus().getUserInfo().getGroups()).contains("system:authenticated");
    }
}
