package dev.skiff.apiserver.kubeconfig;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.skiff.apiserver.pki.CertifiedKey;
import dev.skiff.apiserver.pki.PemFiles;
import io.fabric8.kubernetes.api.model.Config;
import io.fabric8.kubernetes.api.model.ConfigBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Set;

/**
 * The admin kubeconfig, shaped as k3s writes it: one cluster, user and context, all named
 * {@code default}, with the CA and the client certificate and key inline.
 */
public final class KubeconfigWriter {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES))
            .setSerializationInclusion(JsonInclude.Include.NON_EMPTY);

    private KubeconfigWriter() {
    }

    public static Config config(String server, X509Certificate ca, CertifiedKey client) {
        return new ConfigBuilder().withApiVersion("v1").withKind("Config")
                .addNewCluster().withName("default").withNewCluster()
                    .withServer(server).withCertificateAuthorityData(base64(PemFiles.encode(ca))).endCluster().endCluster()
                .addNewContext().withName("default").withNewContext().withCluster("default").withUser("default").endContext().endContext()
                .withCurrentContext("default")
                .addNewUser().withName("default").withNewUser()
                    .withClientCertificateData(base64(PemFiles.encode(client.certificate())))
                    .withClientKeyData(base64(PemFiles.encode(client.key()))).endUser().endUser()
                .build();
    }

    public static String yaml(Config config) {
        try {
            return YAML.writeValueAsString(config);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode the kubeconfig", e);
        }
    }

    public static void write(Path file, Set<PosixFilePermission> mode, String server, X509Certificate ca, CertifiedKey client) {
        PemFiles.write(file, yaml(config(server, ca, client)), mode);
    }

    private static String base64(String pem) {
        return Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.UTF_8));
    }
}
