package dev.skiff.api.errors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.api.errors.ApiException.Cause;
import java.util.List;
import org.junit.jupiter.api.Test;

class ApiExceptionTest {

    @Test
    void notFoundReadsAsUpstreamForCoreAndGroupedResources() {
        var core = ApiException.notFound("", "pods", "web");
        assertThat(core.code()).isEqualTo(404);
        assertThat(core.status().getMessage()).isEqualTo("pods \"web\" not found");
        assertThat(core.status().getDetails().getKind()).isEqualTo("pods");
        assertThat(ApiException.notFound("apps", "deployments", "d").getMessage()).isEqualTo("deployments.apps \"d\" not found");
    }

    @Test
    void invalidCarriesEveryViolatedFieldAsACause() {
        var e = ApiException.invalid("", "Pod", "x", List.of(
                Cause.required("spec.containers"),
                Cause.invalid("metadata.name", "X_1", "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters")));
        assertThat(e.code()).isEqualTo(422);
        assertThat(e.reason()).isEqualTo("Invalid");
        assertThat(e.status().getDetails().getCauses()).hasSize(2);
        assertThat(e.status().getDetails().getCauses().getFirst().getField()).isEqualTo("spec.containers");
        assertThat(e.getMessage()).startsWith("Pod \"x\" is invalid: [spec.containers: Required value, metadata.name: Invalid value: \"X_1\"");
    }

    @Test
    void conflictNamesTheObject() {
        var e = ApiException.conflict("", "configmaps", "c", "the object has been modified; please apply your changes to the latest version and try again");
        assertThat(e.code()).isEqualTo(409);
        assertThat(e.reason()).isEqualTo("Conflict");
        assertThat(e.getMessage()).isEqualTo("Operation cannot be fulfilled on configmaps \"c\": the object has been modified; "
                + "please apply your changes to the latest version and try again");
    }
}
