package dev.skiff.client.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.apiserver.controlplane.LocalControlPlane;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Joining with the server token: the CA from /cacerts is trusted only when it matches the token's hash. */
class ServerTokenJoinTest {
    @TempDir
    Path dir;

    @Test
    void theServerTokenGivesATrustedClientAndAWrongHashIsRefused() throws Exception {
        try (var controlPlane = LocalControlPlane.start(dir)) {
            String token = Files.readString(dir.resolve("token")).strip();
            String url = controlPlane.url().toString();
            try (var client = RestClients.fromServerToken(url, token)) {
                assertThat(client.namespaces().withName("kube-system").get()).isNotNull();
                assertThat(client.getConfiguration().getCaCertData()).isNotEmpty();
            }
            String forged = "K10" + "0".repeat(64) + token.substring(67);
            assertThatThrownBy(() -> RestClients.fromServerToken(url, forged))
                    .hasMessage("the CA served by " + url.replaceAll("/$", "") + " does not match the token's hash: refusing to trust it");
            assertThatThrownBy(() -> RestClients.fromServerToken(url, "just-a-password"))
                    .hasMessageStartingWith("the token is not a server token of the form K10<ca-hash>::<user>:<secret>");
            // /cacerts is public, everything else still needs credentials
            var http = java.net.http.HttpClient.newBuilder().sslContext(RestClients.trustingAnyServer()).build();
            var ca = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url + "/cacerts")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(ca.statusCode()).isEqualTo(200);
            assertThat(ca.body()).startsWith("-----BEGIN CERTIFICATE-----");
            var api = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url + "/api/v1/namespaces")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(api.statusCode()).isEqualTo(401);
        }
    }
}
