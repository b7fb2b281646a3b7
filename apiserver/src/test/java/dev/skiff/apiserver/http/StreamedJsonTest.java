package dev.skiff.apiserver.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializable;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.jsontype.TypeSerializer;
import dev.skiff.apiserver.ApiServer;
import dev.skiff.apiserver.ApiServerConfig;
import dev.skiff.apiserver.endpoints.Routes;
import dev.skiff.apiserver.endpoints.VersionInfo;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * JSON answers over the real HTTPS transport: a small one whole with its length, a large one (a big LIST)
 * in pieces as it is encoded, at the client's pace, and never passed off as whole when it breaks off.
 */
@Timeout(120)
class StreamedJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BIG_ITEMS = 5000;
    /** Far more than any socket buffer holds: the encoder must wait for the client. */
    private static final long ENDLESS_ITEMS = 50_000_000L;
    @TempDir
    static Path dir;
    private static ApiServer server;
    private static SSLContext ssl;
    private static String token;
    private static final AtomicLong endlessWritten = new AtomicLong();
    private static volatile CountDownLatch endlessReturned = new CountDownLatch(1);

    /** {"items":[{"index":0,"payload":"..."}, ...]} of {@code count} items; throws after {@code failAfter} of them. */
    private record Items(long count, long failAfter, AtomicLong written) implements JsonSerializable {
        @Override
        public void serialize(JsonGenerator gen, SerializerProvider serializers) throws IOException {
            gen.writeStartObject();
            gen.writeArrayFieldStart("items");
            for (long i = 0; i < count; i++) {
                if (i == failAfter) {
                    throw new IllegalStateException("item " + i + " cannot be encoded");
                }
                gen.writeStartObject();
                gen.writeNumberField("index", i);
                gen.writeStringField("payload", "x".repeat(200));
                gen.writeEndObject();
                if (written != null) {
                    written.incrementAndGet();
                }
            }
            gen.writeEndArray();
            gen.writeEndObject();
        }

        @Override
        public void serializeWithType(JsonGenerator gen, SerializerProvider serializers, TypeSerializer typeSer) throws IOException {
            serialize(gen, serializers);
        }
    }

    @BeforeAll
    static void start() throws Exception {
        var config = new ApiServerConfig("127.0.0.1", 0, dir.resolve("tls"), dir.resolve("token"), List.of(),
                dev.skiff.registry.core.service.ipallocator.ServiceCidr.DEFAULT,
                dev.skiff.registry.core.service.portallocator.PortRange.DEFAULT, 0, 0, ApiServerConfig.DEFAULT_MAX_REQUEST_BODY_BYTES,
                dir.resolve("admin.kubeconfig"), PosixFilePermissions.fromString("rw-------"), VersionInfo.of("", "1970-01-01T00:00:00Z"));
        var routes = Routes.builder()
                .exact("/small", (request, response) -> response.json(200, new Items(3, -1, null)))
                .exact("/one-piece", (request, response) -> response.json(200, java.util.Map.of("p", "x".repeat(VertxExchange.CHUNK - 8))))
                .exact("/big", (request, response) -> response.json(200, new Items(BIG_ITEMS, -1, null)))
                .exact("/broken", (request, response) -> response.json(200, new Items(BIG_ITEMS, BIG_ITEMS / 2, null)))
                .exact("/broken-early", (request, response) -> response.json(200, new Items(BIG_ITEMS, 10, null)))
                .exact("/endless", (request, response) -> {
                    try {
                        response.json(200, new Items(ENDLESS_ITEMS, -1, endlessWritten));
                    } finally {
                        endlessReturned.countDown();
                    }
                })
                .build();
        server = ApiServer.start(config, routes, List.of());
        token = Files.readString(dir.resolve("token")).strip();
        ssl = trustingClusterCa(Files.readString(dir.resolve("admin.kubeconfig")));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aSmallAnswerIsSentWholeWithItsLength() throws Exception {
        var response = get(HttpClient.Version.HTTP_1_1, "/small", HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValueAsLong("content-length")).hasValue(response.body().length);
        assertThat(JSON.readTree(response.body()).path("items")).hasSize(3);
    }

    @Test
    void aSmallAnswerHasItsLengthOverHttp2Too() throws Exception {
        var response = get(HttpClient.Version.HTTP_2, "/small", HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(response.headers().firstValueAsLong("content-length")).hasValue(response.body().length);
        assertThat(JSON.readTree(response.body()).path("items")).hasSize(3);
    }

    /** {"p":"xx..."} of exactly one piece: the piece goes out as it fills, and the answer ends with nothing more. */
    @Test
    void anAnswerOfExactlyOnePieceArrivesIntactOverHttp1AndHttp2() throws Exception {
        for (var version : List.of(HttpClient.Version.HTTP_1_1, HttpClient.Version.HTTP_2)) {
            var response = get(version, "/one-piece", HttpResponse.BodyHandlers.ofByteArray());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).as("over " + version).hasSize(VertxExchange.CHUNK);
            assertThat(response.headers().firstValue("content-length")).as("over " + version + ": sent as it filled, before its end was known")
                    .isEmpty();
            assertThat(JSON.readTree(response.body()).path("p").asText()).hasSize(VertxExchange.CHUNK - 8);
        }
    }

    @Test
    void aLargeAnswerArrivesIntactInPiecesOverHttp1AndHttp2() throws Exception {
        var http1 = get(HttpClient.Version.HTTP_1_1, "/big", HttpResponse.BodyHandlers.ofByteArray());
        assertThat(http1.body().length).as("larger than one piece").isGreaterThan(VertxExchange.CHUNK * 3);
        assertThat(http1.headers().firstValue("transfer-encoding")).hasValue("chunked");
        assertThat(http1.headers().firstValue("content-length")).isEmpty();
        assertThat(http1.headers().firstValue("content-type")).hasValue("application/json");
        assertIntact(JSON.readTree(http1.body()));

        var http2 = get(HttpClient.Version.HTTP_2, "/big", HttpResponse.BodyHandlers.ofByteArray());
        assertThat(http2.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(http2.body()).isEqualTo(http1.body());
    }

    private static void assertIntact(JsonNode body) {
        JsonNode items = body.path("items");
        assertThat(items).hasSize(BIG_ITEMS);
        for (int i = 0; i < BIG_ITEMS; i++) {
            assertThat(items.get(i).path("index").asInt()).isEqualTo(i);
        }
    }

    @Test
    void anAnswerThatBreaksOffAfterItStartedIsNotTakenForWhole() throws Exception {
        for (var version : List.of(HttpClient.Version.HTTP_1_1, HttpClient.Version.HTTP_2)) {
            assertThatThrownBy(() -> get(version, "/broken", HttpResponse.BodyHandlers.ofByteArray()))
                    .as("over " + version).isInstanceOf(IOException.class);
        }
        assertThat(get(HttpClient.Version.HTTP_1_1, "/small", HttpResponse.BodyHandlers.ofByteArray()).statusCode())
                .as("the server still answers").isEqualTo(200);
    }

    @Test
    void anAnswerThatBreaksOffBeforeAnyOfItWentOutIsAnInternalErrorStatus() throws Exception {
        var response = get(HttpClient.Version.HTTP_1_1, "/broken-early", HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode()).isEqualTo(500);
        JsonNode status = JSON.readTree(response.body());
        assertThat(status.path("kind").asText()).isEqualTo("Status");
        assertThat(status.path("code").asInt()).isEqualTo(500);
    }

    @Test
    void aClientThatReadsNothingIsGivenUpOnAfterTheStallLimit() throws Exception {
        int limit = VertxExchange.stalledClientSeconds;
        VertxExchange.stalledClientSeconds = 2;
        try {
            endlessWritten.set(0);
            endlessReturned = new CountDownLatch(1);
            var response = get(HttpClient.Version.HTTP_1_1, "/endless", HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = response.body()) {
                assertThat(body.readNBytes(1024)).hasSize(1024);
                assertThat(endlessReturned.await(30, TimeUnit.SECONDS)).as("the handler (and its in-flight permit) let go while the client stays")
                        .isTrue();
            }
        } finally {
            VertxExchange.stalledClientSeconds = limit;
        }
    }

    @Test
    void theEncoderWaitsForASlowClientAndStopsWhenItLeaves() throws Exception {
        for (var version : List.of(HttpClient.Version.HTTP_1_1, HttpClient.Version.HTTP_2)) {
            endlessWritten.set(0);
            endlessReturned = new CountDownLatch(1);
            var response = get(version, "/endless", HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = response.body()) {
                assertThat(body.readNBytes(64 * 1024)).hasSize(64 * 1024);
                assertThat(settled()).as("over " + version + ": the encoder waits while the client reads nothing, once the buffers are full")
                        .isBetween(0L, ENDLESS_ITEMS / 100);
            }
            assertThat(endlessReturned.await(20, TimeUnit.SECONDS)).as("over " + version + ": the handler stops once the client left")
                    .isTrue();
            assertThat(endlessWritten.get()).isLessThan(ENDLESS_ITEMS / 100);
        }
    }

    /** The count of items encoded once it stopped moving (two readings 300 ms apart agree), or -1 if it never did in 20 s. */
    private static long settled() throws InterruptedException {
        long last = -1;
        for (int i = 0; i < 66; i++) {
            Thread.sleep(300);
            long now = endlessWritten.get();
            if (now == last) {
                return now;
            }
            last = now;
        }
        return -1;
    }

    private static <T> HttpResponse<T> get(HttpClient.Version version, String path, HttpResponse.BodyHandler<T> body)
            throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().version(version).sslContext(ssl).build();
        return client.send(HttpRequest.newBuilder(URI.create(server.url().toString().replaceAll("/$", "") + path))
                .header("Authorization", "Bearer " + token).build(), body);
    }

    private static SSLContext trustingClusterCa(String kubeconfig) throws Exception {
        var m = Pattern.compile("certificate-authority-data:\\s*\"?([A-Za-z0-9+/=]+)").matcher(kubeconfig);
        assertThat(m.find()).as("the kubeconfig names its CA").isTrue();
        var trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("cluster-ca", CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(Base64.getDecoder().decode(m.group(1)))));
        var factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        var context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }
}
