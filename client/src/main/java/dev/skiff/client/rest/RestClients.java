package dev.skiff.client.rest;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * fabric8 clients for a skiff server, as client-go's rest.Config from a kubeconfig, with the three
 * settings skiff needs: its client keys are EC in PKCS#8 ("PRIVATE KEY"), which fabric8 reads as
 * RSA unless told; and watches go over plain HTTP streaming, as kubectl's and client-go's do (the
 * server serves fabric8's default WebSocket watches too, but skiff's own components use what the
 * upstream components use), over HTTP/1.1 (see docs/architecture.md).
 */
public final class RestClients {
    private RestClients() {
    }

    public static Config config(Path kubeconfig) {
        try {
            Config config = Config.fromKubeconfig(Files.readString(kubeconfig));
            config.setClientKeyAlgo("EC");
            config.setOnlyHttpWatches(true);
            config.setHttp2Disable(true);
            return config;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * fabric8's client with its serialization over a mapper carrying Jackson's Blackbird module (generated accessors
     * instead of reflection, as the server's codecs): informers decode every watched object with it.
     */
    private static KubernetesClientBuilder builder() {
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper().registerModule(new com.fasterxml.jackson.module.blackbird.BlackbirdModule());
        return new KubernetesClientBuilder().withKubernetesSerialization(new io.fabric8.kubernetes.client.utils.KubernetesSerialization(mapper, true));
    }

    public static KubernetesClient fromKubeconfig(Path kubeconfig) {
        return builder().withConfig(config(kubeconfig)).build();
    }

    /**
     * As {@link #fromKubeconfig(Path)}, its requests served in this process by the API server's in-process transport
     * ({@code ApiServer::inProcessClients}, given the network HTTP clients for what it relays) - for the components
     * inside {@code skiff server}, and the benchmarks.
     */
    public static KubernetesClient inProcess(Path kubeconfig,
            java.util.function.UnaryOperator<io.fabric8.kubernetes.client.http.HttpClient.Factory> inProcessClients) {
        return builder().withConfig(config(kubeconfig))
                .withHttpClientFactory(inProcessClients.apply(new io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory())).build();
    }

    /**
     * A client for {@code server} joined with the server's token, in k3s's secure format
     * {@code K10<sha256 of the CA bundle>::<user>:<secret>}: the CA is fetched from the server's
     * unauthenticated {@code /cacerts} and trusted only when its hash matches the token's, and then
     * the token is sent as the bearer token - never before, so a server posing as ours learns nothing.
     */
    public static KubernetesClient fromServerToken(String server, String token) {
        String base = server.replaceAll("/$", "");
        if (!token.startsWith("K10") || !token.contains("::") || token.indexOf("::") != 67) {
            throw new IllegalArgumentException("the token is not a server token of the form K10<ca-hash>::<user>:<secret> "
                    + "(use the content of the server's token file)");
        }
        String expectedHash = token.substring(3, 67);
        byte[] bundle = fetchCaBundle(base);
        String actual;
        try {
            actual = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bundle));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        if (!actual.equals(expectedHash)) {
            throw new IllegalArgumentException("the CA served by " + base + " does not match the token's hash: refusing to trust it");
        }
        Config config = new io.fabric8.kubernetes.client.ConfigBuilder().withMasterUrl(base)
                .withCaCertData(java.util.Base64.getEncoder().encodeToString(bundle)).withOauthToken(token).build();
        config.setOnlyHttpWatches(true);
        config.setHttp2Disable(true);
        return builder().withConfig(config).build();
    }

    /** A TLS context that accepts any server certificate: only for fetching what is then verified another way. */
    public static javax.net.ssl.SSLContext trustingAnyServer() throws java.security.GeneralSecurityException {
        return dev.skiff.api.tls.AnyServerTrust.sslContext(null);
    }

    /** How often a /cacerts request that timed out is tried again: a busy server answers late, an absent one refuses at once. */
    private static final int CA_FETCH_ATTEMPTS = 6;

    /** GET /cacerts without verifying the server (what it returns is checked against the token's hash). */
    private static byte[] fetchCaBundle(String base) {
        for (int attempt = 1; ; attempt++) {
            try {
                return fetchCaBundleOnce(base);
            } catch (UncheckedIOException e) {
                if (!(e.getCause() instanceof java.net.http.HttpTimeoutException) || attempt == CA_FETCH_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    private static byte[] fetchCaBundleOnce(String base) {
        try {
            var ssl = trustingAnyServer();
            var parameters = new javax.net.ssl.SSLParameters();
            parameters.setEndpointIdentificationAlgorithm(null);
            try (var http = java.net.http.HttpClient.newBuilder().sslContext(ssl).sslParameters(parameters)
                    .connectTimeout(java.time.Duration.ofSeconds(10)).build()) {
                var response = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/cacerts"))
                        .timeout(java.time.Duration.ofSeconds(10)).GET().build(), java.net.http.HttpResponse.BodyHandlers.ofByteArray());
                if (response.statusCode() != 200) {
                    throw new IllegalArgumentException("GET " + base + "/cacerts: HTTP " + response.statusCode());
                }
                return response.body();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reach " + base + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
