package dev.skiff.apiserver.registry.core.serviceaccount;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class TokenExpirationTest {

    @Test
    void theCapMustBeBetweenAnHourAndTwoToTheThirtySecondSeconds() {
        assertThat(TokenExpiration.of(Duration.ofHours(1), true).maxSeconds()).isEqualTo(3600);
        assertThat(TokenExpiration.of(Duration.ofSeconds(1L << 32), false).maxSeconds()).isEqualTo(1L << 32);
        assertThat(TokenExpiration.of(null, true)).isEqualTo(TokenExpiration.defaults());
        assertThat(TokenExpiration.of(Duration.ZERO, true).maxSeconds()).isZero();
        for (Duration bad : new Duration[] {Duration.ofMinutes(59), Duration.ofSeconds((1L << 32) + 1)}) {
            assertThatThrownBy(() -> TokenExpiration.of(bad, true))
                    .hasMessage("the service-account-max-token-expiration must be between 1 hour and 2^32 seconds");
        }
    }

    @Test
    void warnsOfACapBelowWhatKubeletsAskForOrBelowTheExtendedLifetime() {
        assertThat(TokenExpiration.of(Duration.ofHours(1), true).warnings()).containsExactly(
                "service-account-extend-token-expiration is true, in order to correctly trigger safe transition logic, "
                        + "service-account-max-token-expiration must be set longer than 3607 seconds (currently 1h0m0s)",
                "service-account-extend-token-expiration is true, enabling tokens valid up to 31536000 seconds, "
                        + "which is longer than service-account-max-token-expiration set to 1h0m0s");
        assertThat(TokenExpiration.of(Duration.ofHours(48), true).warnings()).hasSize(1);
        assertThat(TokenExpiration.of(Duration.ofDays(400), true).warnings()).isEmpty();
        assertThat(TokenExpiration.of(Duration.ofHours(1), false).warnings()).isEmpty();
        assertThat(TokenExpiration.defaults().warnings()).isEmpty();
    }
}
