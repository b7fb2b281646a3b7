package dev.skiff.apiserver.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.apiserver.admission.AdmissionChain;
import dev.skiff.apiserver.authn.RequestAuthenticator;
import dev.skiff.apiserver.authn.TokenAuthenticator;
import dev.skiff.apiserver.authn.UserInfo;
import dev.skiff.apiserver.authz.AlwaysAllowAuthorizer;
import dev.skiff.apiserver.authz.RequestAuthorizer;
import dev.skiff.apiserver.endpoints.ApiRequest;
import dev.skiff.apiserver.endpoints.Routes;
import dev.skiff.apiserver.request.MaxInFlightLimit;
import io.fabric8.kubernetes.client.RequestConfigBuilder;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpResponse;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** fabric8's HTTP client over the request chain: what reaches the chain, what comes back, and a request timeout as the JDK client's. */
class InProcessTransportTest {
    private static final String TOKEN = "in-process-token";
    private final AtomicReference<ApiRequest> served = new AtomicReference<>();
    private final AtomicInteger slowCalls = new AtomicInteger();
    private final CountDownLatch released = new CountDownLatch(1);
    private final CountDownLatch handlerDone = new CountDownLatch(1);
    private final InProcessTransport transport = InProcessTransport.over(new RequestChain(
            new RequestAuthenticator(List.of(new TokenAuthenticator(Map.of(TOKEN, new UserInfo("alice", List.of("devs")))))),
            new MaxInFlightLimit(0, 0), new RequestAuthorizer(new AlwaysAllowAuthorizer()), AdmissionChain.empty(),
            Routes.builder()
                    .exact("/echo", (request, response) -> {
                        served.set(request);
                        response.json(201, Map.of("user", request.user().name(), "body", new String(request.body())));
                    })
                    .exact("/held", (request, response) -> {
                        response.json(200, Map.of("sent", true));
                        try {
                            handlerDone.await(10, TimeUnit.SECONDS); // still inside the handler after answering
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    })
                    .exact("/slow", (request, response) -> {
                        if (slowCalls.incrementAndGet() == 1) {
                            try {
                                released.await(10, TimeUnit.SECONDS); // the first call outlives the client's timeout
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                        response.json(200, Map.of("call", slowCalls.get()));
                    })
                    .build(),
            1024));
    /** Nothing here goes over the network: a twin asked for fails the test. */
    private final HttpClient.Factory noNetwork = () -> {
        throw new AssertionError("a request went to the network");
    };

    @AfterEach
    void close() {
        released.countDown();
        handlerDone.countDown();
        transport.close();
    }

    private HttpClient client(int retries) {
        return transport.httpClientFactory(noNetwork).newBuilder()
                .tag(new RequestConfigBuilder().withRequestRetryBackoffLimit(retries).withRequestRetryBackoffInterval(10).build())
                .build();
    }

    @Test
    void aRequestReachesTheChainWithItsHeadersQueryAndBodyAndTheAnswerComesBack() throws Exception {
        var client = client(0);
        var request = client.newHttpRequestBuilder().uri(URI.create("https://in-process/echo?labelSelector=app%3Dweb"))
                .header("Authorization", "Bearer " + TOKEN).post("application/json", "{\"kind\":\"Pod\"}").build();
        HttpResponse<String> response = client.sendAsync(request, String.class).get(10, TimeUnit.SECONDS);
        assertThat(response.code()).isEqualTo(201);
        assertThat(response.header("Content-Type")).isEqualTo("application/json");
        assertThat(response.header("Audit-Id")).isNotEmpty();
        assertThat(response.body()).contains("\"user\":\"alice\"").contains("{\\\"kind\\\":\\\"Pod\\\"}");
        assertThat(served.get().method()).isEqualTo("POST");
        assertThat(served.get().queryParam("labelSelector")).isEqualTo("app=web");
        assertThat(served.get().header("content-type")).isEqualTo("application/json");

        var anonymous = client.newHttpRequestBuilder().uri(URI.create("https://in-process/echo")).build();
        assertThat(client.sendAsync(anonymous, String.class).get(10, TimeUnit.SECONDS).code())
                .as("no credentials: the chain's authentication refuses, as over the network").isEqualTo(401);
    }

    @Test
    void noAnswerWithinTheRequestTimeoutIsTheJdkClientsTimeoutWhichFabric8Retries() throws Exception {
        var once = client(0);
        var slow = once.newHttpRequestBuilder().uri(URI.create("https://in-process/slow")).header("Authorization", "Bearer " + TOKEN)
                .timeout(200, TimeUnit.MILLISECONDS).build();
        assertThatThrownBy(() -> once.sendAsync(slow, String.class).get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .satisfies(e -> assertThat(e.getCause() instanceof CompletionException c ? c.getCause() : e.getCause())
                        .isInstanceOf(HttpTimeoutException.class));
        slowCalls.set(0);
        var retrying = client(3);
        HttpResponse<String> answer = retrying.sendAsync(slow, String.class).get(10, TimeUnit.SECONDS);
        assertThat(answer.code()).isEqualTo(200);
        assertThat(answer.body()).as("answered by a retry, not by the call still waiting").isNotEqualTo("{\"call\":1}");
        assertThat(slowCalls.get()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void aWholeAnswerReachesTheClientOnceTheHandlerHasReturned() throws Exception {
        var client = client(0);
        var request = client.newHttpRequestBuilder().uri(URI.create("https://in-process/held")).header("Authorization", "Bearer " + TOKEN).build();
        var answer = client.sendAsync(request, String.class);
        Thread.sleep(200);
        assertThat(answer).as("the handler still holds what it holds (locks, the in-flight permit)").isNotDone();
        handlerDone.countDown();
        assertThat(answer.get(10, TimeUnit.SECONDS).body()).isEqualTo("{\"sent\":true}");
    }
}
