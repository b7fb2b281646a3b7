package dev.skiff.apiserver.kubeconfig;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.skiff.apiserver.pki.ClusterPki;
import dev.skiff.apiserver.pki.PemFiles;
import dev.skiff.apiserver.pki.SubjectAltNames;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KubeconfigWriterTest {
    @TempDir
    Path dir;

    @Test
    void writesK3sShapedKubeconfigWithInlineCredentialsAndTheGivenMode() throws Exception {
        var pki = ClusterPki.loadOrCreate(dir.resolve("tls"), SubjectAltNames.forApiServer(List.of(),
                SubjectAltNames.literal("10.43.0.1"), "cluster.local", List.of()), Clock.systemUTC());
        Path file = dir.resolve("cred/admin.kubeconfig");
        KubeconfigWriter.write(file, PosixFilePermissions.fromString("rw-r-----"), "https://127.0.0.1:6443", pki.ca().certificate(), pki.admin());

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-r-----");
        var yaml = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
        assertThat(yaml.get("apiVersion").asText()).isEqualTo("v1");
        assertThat(yaml.get("kind").asText()).isEqualTo("Config");
        assertThat(yaml.get("current-context").asText()).isEqualTo("default");
        var cluster = yaml.get("clusters").get(0);
        assertThat(cluster.get("name").asText()).isEqualTo("default");
        assertThat(cluster.get("cluster").get("server").asText()).isEqualTo("https://127.0.0.1:6443");
        assertThat(decode(cluster.get("cluster").get("certificate-authority-data").asText())).isEqualTo(PemFiles.encode(pki.ca().certificate()));
        var context = yaml.get("contexts").get(0);
        assertThat(context.get("context").get("cluster").asText()).isEqualTo("default");
        assertThat(context.get("context").get("user").asText()).isEqualTo("default");
        var user = yaml.get("users").get(0);
        assertThat(user.get("name").asText()).isEqualTo("default");
        assertThat(decode(user.get("user").get("client-certificate-data").asText())).isEqualTo(PemFiles.encode(pki.admin().certificate()));
        assertThat(decode(user.get("user").get("client-key-data").asText())).startsWith("-----BEGIN PRIVATE KEY-----");
    }

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }
}
