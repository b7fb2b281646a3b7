package dev.skiff.apiserver.endpoints;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.apiserver.authn.UserInfo;
import dev.skiff.apiserver.request.RequestInfoResolver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class HealthHandlerTest {
    private final AtomicBoolean storeUp = new AtomicBoolean(true);
    private final HealthHandler readyz = new HealthHandler("readyz", List.of(
            HealthCheck.of("ping", () -> { }),
            HealthCheck.of("etcd", () -> {
                if (!storeUp.get()) {
                    throw new IllegalStateException("store closed");
                }
            })), Duration.ofMillis(500));

    private record Answer(int status, String body) {
    }

    private Answer get(HealthHandler handler, String path, Map<String, List<String>> query) {
        var answer = new Answer[1];
        ApiResponse response = new ApiResponse() {
            @Override
            public void send(int status, String contentType, Map<String, String> headers, byte[] body) {
                answer[0] = new Answer(status, new String(body, StandardCharsets.UTF_8));
            }

            @Override
            public ResponseStream stream(int status, String contentType, Map<String, String> headers) {
                throw new UnsupportedOperationException();
            }
        };
        try {
            handler.handle(new ApiRequest(RequestInfoResolver.resolve("GET", path, query), new UserInfo("u", List.of()), "GET", path,
                    query, Map.of(), new byte[0]), response);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        return answer[0];
    }

    @Test
    void healthyIsPlainOkAndVerboseListsEveryCheck() {
        assertThat(get(readyz, "/readyz", Map.of())).isEqualTo(new Answer(200, "ok"));
        assertThat(get(readyz, "/readyz", Map.of("verbose", List.of(""))).body())
                .isEqualTo("[+]ping ok\n[+]etcd ok\nreadyz check passed\n");
    }

    @Test
    void aFailingCheckIs500WithTheReasonWithheld() {
        storeUp.set(false);
        var answer = get(readyz, "/readyz", Map.of());
        assertThat(answer.status()).isEqualTo(500);
        assertThat(answer.body()).isEqualTo("[+]ping ok\n[-]etcd failed: reason withheld\nreadyz check failed\n");
        assertThat(get(readyz, "/readyz", Map.of("exclude", List.of("etcd"))).status()).isEqualTo(200);
        assertThat(get(readyz, "/readyz/etcd", Map.of()).status()).isEqualTo(500);
        assertThat(get(readyz, "/readyz/ping", Map.of())).isEqualTo(new Answer(200, "ok"));
    }

    @Test
    void aHangingCheckFailsAtItsDeadline() {
        var hanging = new HealthHandler("livez", List.of(HealthCheck.of("etcd", () -> Thread.sleep(60_000))), Duration.ofMillis(100));
        assertThat(get(hanging, "/livez", Map.of()).status()).isEqualTo(500);
    }
}
