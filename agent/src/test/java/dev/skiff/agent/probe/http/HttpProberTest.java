package dev.skiff.agent.probe.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.skiff.agent.probe.ProbeException;
import dev.skiff.agent.probe.ProbeOutcome;
import dev.skiff.agent.probe.Result;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HTTPGetActionBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The httpGet probe against a real HTTP server on loopback (the JDK's). */
class HttpProberTest {
    private HttpServer server;
    private int port;
    private final Map<String, List<String>> seenHeaders = new ConcurrentHashMap<>();
    private final CountDownLatch never = new CountDownLatch(1);

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/ok", exchange -> {
            exchange.getRequestHeaders().forEach((k, v) -> seenHeaders.put(k.toLowerCase(), v));
            seenHeaders.put("request-uri", List.of(exchange.getRequestURI().toString()));
            byte[] body = "fine".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.createContext("/chunked", exchange -> {
            exchange.sendResponseHeaders(200, 0); // 0: chunked
            exchange.getResponseBody().write("x".repeat(20_000).getBytes(StandardCharsets.UTF_8));
            exchange.close();
        });
        server.createContext("/broken", exchange -> {
            exchange.sendResponseHeaders(503, -1);
            exchange.close();
        });
        server.createContext("/same-host", exchange -> {
            exchange.getResponseHeaders().add("Location", "/ok");
            exchange.sendResponseHeaders(302, -1);
            exchange.close();
        });
        server.createContext("/other-host", exchange -> {
            exchange.getResponseHeaders().add("Location", "http://localhost:" + port + "/ok");
            byte[] body = "moved".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(301, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.createContext("/loop", exchange -> {
            exchange.getResponseHeaders().add("Location", "/loop");
            exchange.sendResponseHeaders(307, -1);
            exchange.close();
        });
        server.createContext("/slow", exchange -> {
            try {
                never.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        });
        server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        port = server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        never.countDown();
        server.stop(0);
    }

    private static Container container(int port) {
        return new ContainerBuilder().withName("web").addNewPort().withName("http").withContainerPort(port).endPort().build();
    }

    private ProbeOutcome probe(HTTPGetAction get) throws ProbeException {
        return HttpProber.probe(HttpProber.forHttpGet(get, container(port), "127.0.0.1", "probe"), Duration.ofSeconds(1));
    }

    @Test
    void twoHundredSucceedsWithTheBodyAndUpstreamsHeaders() throws Exception {
        ProbeOutcome outcome = probe(new HTTPGetActionBuilder().withPath("/ok?x=1").withPort(new IntOrString("http"))
                .addNewHttpHeader("X-Custom", "yes").build());
        assertThat(outcome).isEqualTo(new ProbeOutcome(Result.SUCCESS, "fine"));
        assertThat(seenHeaders.get("user-agent")).containsExactly("kube-probe/1.33");
        assertThat(seenHeaders.get("accept")).containsExactly("*/*");
        assertThat(seenHeaders.get("x-custom")).containsExactly("yes");
        assertThat(seenHeaders.get("host")).containsExactly("127.0.0.1:" + port);
        assertThat(seenHeaders.get("request-uri")).containsExactly("/ok?x=1");
    }

    @Test
    void givenHostUserAgentAndEmptyAcceptReplaceTheDefaults() throws Exception {
        probe(new HTTPGetActionBuilder().withPath("ok").withPort(new IntOrString(port)).addNewHttpHeader("Host", "example.test")
                .addNewHttpHeader("user-agent", "mine").addNewHttpHeader("Accept", "").build());
        assertThat(seenHeaders.get("host")).containsExactly("example.test");
        assertThat(seenHeaders.get("user-agent")).containsExactly("mine");
        assertThat(seenHeaders).doesNotContainKey("accept");
    }

    @Test
    void errorCodesFailWithTheStatusCode() throws Exception {
        assertThat(probe(new HTTPGetActionBuilder().withPath("/broken").withPort(new IntOrString(port)).build()))
                .isEqualTo(new ProbeOutcome(Result.FAILURE, "HTTP probe failed with statuscode: 503"));
    }

    @Test
    void chunkedBodiesAreReadUpToTenKilobytes() throws Exception {
        ProbeOutcome outcome = probe(new HTTPGetActionBuilder().withPath("/chunked").withPort(new IntOrString(port)).build());
        assertThat(outcome.result()).isEqualTo(Result.SUCCESS);
        assertThat(outcome.output()).hasSize(HttpProber.MAX_RESPONSE_BODY);
    }

    @Test
    void redirectsOnTheSameHostAreFollowedAndToAnotherHostAreAWarning() throws Exception {
        assertThat(probe(new HTTPGetActionBuilder().withPath("/same-host").withPort(new IntOrString(port)).build()))
                .isEqualTo(new ProbeOutcome(Result.SUCCESS, "fine"));
        assertThat(probe(new HTTPGetActionBuilder().withPath("/other-host").withPort(new IntOrString(port)).build()))
                .isEqualTo(new ProbeOutcome(Result.WARNING, "Probe terminated redirects, Response body: moved"));
        assertThat(probe(new HTTPGetActionBuilder().withPath("/loop").withPort(new IntOrString(port)).build()))
                .isEqualTo(new ProbeOutcome(Result.FAILURE, "Get \"http://127.0.0.1:" + port + "/loop\": stopped after 10 redirects"));
    }

    @Test
    void refusedAndSlowServersFailWithGosWording() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        assertThat(HttpProber.probe(HttpProber.forHttpGet(new HTTPGetActionBuilder().withPort(new IntOrString(closed)).build(),
                container(closed), "127.0.0.1", "probe"), Duration.ofSeconds(1)))
                .isEqualTo(new ProbeOutcome(Result.FAILURE, "Get \"http://127.0.0.1:" + closed + "\": dial tcp 127.0.0.1:" + closed
                        + ": connect: connection refused"));
        assertThat(probe(new HTTPGetActionBuilder().withPath("/slow").withPort(new IntOrString(port)).build()))
                .isEqualTo(new ProbeOutcome(Result.FAILURE, "Get \"http://127.0.0.1:" + port
                        + "/slow\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"));
    }

    @Test
    void unknownPortNamesAreErrorsNotFailures() {
        assertThatThrownBy(() -> probe(new HTTPGetActionBuilder().withPort(new IntOrString("nope")).build()))
                .isInstanceOf(ProbeException.class).hasMessage("strconv.Atoi: parsing \"nope\": invalid syntax");
        assertThatThrownBy(() -> probe(new HTTPGetActionBuilder().withPort(new IntOrString(70000)).build()))
                .isInstanceOf(ProbeException.class).hasMessage("invalid port number: 70000");
    }
}
