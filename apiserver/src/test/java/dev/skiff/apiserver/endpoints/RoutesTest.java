package dev.skiff.apiserver.endpoints;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RoutesTest {
    private final ApiHandler api = (request, response) -> { };
    private final ApiHandler apps = (request, response) -> { };
    private final ApiHandler version = (request, response) -> { };
    private final Routes routes = Routes.builder().prefix("/apis", api).prefix("/apis/apps", apps).exact("/version", version).build();

    @Test
    void longestPrefixAtASegmentBoundaryWins() {
        assertThat(routes.match("/apis/apps/v1/deployments")).containsSame(apps);
        assertThat(routes.match("/apis/batch/v1/jobs")).containsSame(api);
        assertThat(routes.match("/apis")).containsSame(api);
        assertThat(routes.match("/apisx")).isEmpty();
        assertThat(routes.match("/apis/appsx")).containsSame(api);
        assertThat(routes.match("/version")).containsSame(version);
        assertThat(routes.match("/version/x")).isEmpty();
    }

    @Test
    void aPathIsRoutedOnce() {
        assertThatThrownBy(() -> routes.toBuilder().exact("/version", api)).isInstanceOf(IllegalArgumentException.class);
    }
}
