package dev.skiff.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.apiserver.pki.CertifiedKey;
import dev.skiff.apiserver.pki.ClusterPki;
import dev.skiff.apiserver.pki.SubjectAltNames;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code skiff server} as a process, judged by the real kubectl (the dispatcher on PATH picks
 * kubectl.1.NN from the server's /version) and by a plain JDK HTTP client that trusts only the
 * cluster CA. One server for the class: starting it is the slow part.
 */
class ApiServerProcessTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static SkiffProcess server;
    static Path kubeconfig;
    static int port;

    @BeforeAll
    static void startServer() {
        port = SkiffProcess.freePort();
        kubeconfig = dir.resolve("kube/admin.yaml");
        server = SkiffProcess.apiServer(dir, port, kubeconfig, "--tls-san", "skiff.example");
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            assertThat(server.stop()).isEqualTo(143);
        }
    }

    @Test
    void kubectlVersionShowsTheServerAsKubernetes133() throws Exception {
        var version = JSON.readTree(kubectl("version", "-o", "json"));
        JsonNode serverVersion = version.get("serverVersion");
        assertThat(serverVersion.get("major").asText()).isEqualTo("1");
        assertThat(serverVersion.get("minor").asText()).isEqualTo("33");
        assertThat(serverVersion.get("gitVersion").asText()).isEqualTo("v1.33.0+skiff");
        assertThat(serverVersion.get("platform").asText()).startsWith("linux/");
    }

    @Test
    void kubectlReadsHealthAndVerboseReadiness() throws Exception {
        assertThat(kubectl("get", "--raw", "/healthz")).isEqualTo("ok");
        assertThat(kubectl("get", "--raw", "/livez")).isEqualTo("ok");
        assertThat(kubectl("get", "--raw", "/readyz?verbose").lines().toList())
                .contains("[+]ping ok", "[+]etcd ok", "[+]shutdown ok", "readyz check passed");
        assertThat(kubectl("get", "--raw", "/readyz/etcd")).isEqualTo("ok");
    }

    @Test
    void requestWithoutCredentialsIsUnauthorized() throws Exception {
        for (var version : HttpClient.Version.values()) {
            var response = client(version).send(HttpRequest.newBuilder(url("/version")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(401);
            var status = JSON.readTree(response.body());
            assertThat(status.get("kind").asText()).isEqualTo("Status");
            assertThat(status.get("reason").asText()).isEqualTo("Unauthorized");
            assertThat(status.get("code").asInt()).isEqualTo(401);
        }
        var wrongToken = client(HttpClient.Version.HTTP_2).send(HttpRequest.newBuilder(url("/version"))
                .header("Authorization", "Bearer not-the-token").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(wrongToken.statusCode()).isEqualTo(401);
    }

    @Test
    void serverTokenIsAcceptedAsABearerToken() throws Exception {
        var response = client(HttpClient.Version.HTTP_2).send(authorized("/version").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(JSON.readTree(response.body()).get("gitVersion").asText()).isEqualTo("v1.33.0+skiff");
    }

    @Test
    void unknownPathIsNotFoundStatus() throws Exception {
        var response = client(HttpClient.Version.HTTP_1_1).send(authorized("/no/such/path").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(404);
        var status = JSON.readTree(response.body());
        assertThat(status.get("reason").asText()).isEqualTo("NotFound");
        assertThat(status.get("message").asText()).isEqualTo("the server could not find the requested resource");
    }

    @Test
    void oversizeBodyIsRequestEntityTooLarge() throws Exception {
        byte[] body = new byte[3 * 1024 * 1024 + 1];
        for (var version : HttpClient.Version.values()) {
            var response = client(version).send(authorized("/api/v1/namespaces/default/configmaps")
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as("%s", version).isEqualTo(413);
            assertThat(JSON.readTree(response.body()).get("reason").asText()).isEqualTo("RequestEntityTooLarge");
        }
    }

    @Test
    void oversizeChunkedBodyIsRequestEntityTooLargeToo() throws Exception {
        // no Content-Length: the limit is found while reading, not from the header
        var response = client(HttpClient.Version.HTTP_1_1).send(authorized("/api/v1/namespaces/default/configmaps")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(new byte[4 * 1024 * 1024]))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(JSON.readTree(response.body()).get("message").asText()).isEqualTo("Request entity too large: limit is 3145728");
    }

    @Test
    void adminClientCertificateAuthenticatesAndOneFromAnotherCaDoesNot() throws Exception {
        var config = new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readTree(kubeconfig.toFile());
        var user = config.get("users").get(0).get("user");
        var mine = new CertifiedKey(certificate(Base64.getDecoder().decode(user.get("client-certificate-data").asText())),
                privateKey(Base64.getDecoder().decode(user.get("client-key-data").asText())));
        var response = client(HttpClient.Version.HTTP_2, mine).send(HttpRequest.newBuilder(url("/version")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);

        var foreign = ClusterPki.loadOrCreate(dir.resolve("foreign-tls"), SubjectAltNames.forApiServer(List.of(),
                SubjectAltNames.literal("10.43.0.1"), "cluster.local", List.of()), java.time.Clock.systemUTC()).admin();
        try {
            var refused = client(HttpClient.Version.HTTP_2, foreign).send(HttpRequest.newBuilder(url("/version")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).as("a certificate of another CA, same name").isEqualTo(401);
        } catch (IOException expected) {
            // the TLS handshake refused it: as kube-apiserver does
        }
    }

    @Test
    void secretsOnDiskAreOwnerOnly() throws IOException {
        for (Path secret : List.of(kubeconfig, dir.resolve("data/server/token"), dir.resolve("data/server/tls/cluster-ca.key"),
                dir.resolve("data/server/tls/serving-kube-apiserver.key"), dir.resolve("data/server/tls/client-admin.key"),
                dir.resolve("data/server/tls/sa.key"))) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secret))).as("%s", secret).isEqualTo("rw-------");
        }
    }

    private static String kubectl(String... args) throws Exception {
        var command = new ArrayList<String>(List.of("kubectl", "--kubeconfig", kubeconfig.toString()));
        command.addAll(List.of(args));
        var builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().remove("KUBECONFIG");
        var process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("kubectl %s: %s", String.join(" ", args), out).isZero();
        return out.strip();
    }

    private static URI url(String path) {
        return URI.create("https://127.0.0.1:" + port + path);
    }

    private static HttpRequest.Builder authorized(String path) throws IOException {
        String token = Files.readString(dir.resolve("data/server/token")).strip();
        return HttpRequest.newBuilder(url(path)).header("Authorization", "Bearer " + token);
    }

    private static HttpClient client(HttpClient.Version version) throws Exception {
        return client(version, null);
    }

    private static java.security.cert.X509Certificate certificate(byte[] pem) throws Exception {
        return (java.security.cert.X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(pem));
    }

    private static java.security.PrivateKey privateKey(byte[] pem) throws Exception {
        String base64 = new String(pem, StandardCharsets.US_ASCII).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return java.security.KeyFactory.getInstance("EC").generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
    }

    /** A client that trusts the cluster CA (read from the kubeconfig) and nothing else, presenting {@code identity} when given. */
    private static HttpClient client(HttpClient.Version version, CertifiedKey identity) throws Exception {
        var config = new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readTree(kubeconfig.toFile());
        byte[] ca = Base64.getDecoder().decode(config.get("clusters").get(0).get("cluster").get("certificate-authority-data").asText());
        var trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("cluster-ca", CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(ca)));
        var tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        javax.net.ssl.KeyManager[] keyManagers = null;
        if (identity != null) {
            var keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("client", identity.key(), new char[0], new java.security.cert.Certificate[] {identity.certificate()});
            var kmf = javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, new char[0]);
            keyManagers = kmf.getKeyManagers();
        }
        var ssl = SSLContext.getInstance("TLS");
        ssl.init(keyManagers, tmf.getTrustManagers(), null);
        return HttpClient.newBuilder().version(version).sslContext(ssl).connectTimeout(Duration.ofSeconds(10)).build();
    }
}
