package dev.skiff.apiserver.admission.podsecurity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.api.errors.ApiException.Cause;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PolicyTest {
    @Test
    void unlabelledNamespacesArePrivilegedAtLatest() {
        var parsed = Policy.fromLabels(Map.of());
        assertThat(parsed.policy().fullyPrivileged()).isTrue();
        assertThat(parsed.policy().enforce().toString()).isEqualTo("privileged:latest");
        assertThat(parsed.errors()).isEmpty();
    }

    @Test
    void warnFollowsAStricterEnforceLevelUnlessLabelled() {
        var policy = Policy.fromLabels(Map.of(Policy.ENFORCE, "baseline", Policy.ENFORCE + "-version", "v1.29")).policy();
        assertThat(policy.enforce().toString()).isEqualTo("baseline:v1.29");
        assertThat(policy.warn().toString()).isEqualTo("baseline:v1.29");
        assertThat(policy.audit().toString()).isEqualTo("privileged:latest");
        policy = Policy.fromLabels(Map.of(Policy.ENFORCE, "restricted", Policy.WARN, "baseline")).policy();
        assertThat(policy.warn().toString()).isEqualTo("baseline:latest");
        policy = Policy.fromLabels(Map.of(Policy.ENFORCE, "restricted", Policy.WARN + "-version", "v1.25")).policy();
        assertThat(policy.warn().toString()).isEqualTo("restricted:v1.25");
    }

    @Test
    void invalidLabelsAreErrorsAndFailClosedForEnforceOpenForTheOthers() {
        var parsed = Policy.fromLabels(Map.of(Policy.WARN, "loud", Policy.ENFORCE, "strict", Policy.AUDIT + "-version", "1.2"));
        assertThat(parsed.policy().enforce().toString()).isEqualTo("restricted:latest");
        assertThat(parsed.policy().warn().toString()).isEqualTo("privileged:latest");
        assertThat(parsed.errors()).containsExactly(
                Cause.invalid("metadata.labels[pod-security.kubernetes.io/enforce]", "strict", "must be one of privileged, baseline, restricted"),
                Cause.invalid("metadata.labels[pod-security.kubernetes.io/audit-version]", "1.2", "must be \"latest\" or \"v1.x\""),
                Cause.invalid("metadata.labels[pod-security.kubernetes.io/warn]", "loud", "must be one of privileged, baseline, restricted"));
    }
}
