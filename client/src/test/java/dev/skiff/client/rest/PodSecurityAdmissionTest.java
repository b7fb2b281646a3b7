package dev.skiff.client.rest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PodSecurity on a real server with upstream's default plugins: refusals with the whole Status, warnings as Warning headers. */
class PodSecurityAdmissionTest {
    private static final String PRIVILEGED_POD = """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"%s"},"spec":{"containers":[
             {"name":"c","image":"busybox","securityContext":{"privileged":true}}]}}""";
    private static final String PLAIN_POD = """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"%s"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}""";
    @TempDir
    static Path dir;
    private static AdmissionServer raw;

    @BeforeAll
    static void start() throws Exception {
        raw = new AdmissionServer(dir);
    }

    @AfterAll
    static void stop() {
        raw.close();
    }

    private static void namespace(String name, String labels) throws Exception {
        assertThat(raw.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"" + name + "\",\"labels\":{" + labels + "}}}").code()).isEqualTo(201);
    }

    @Test
    void theAdmissionConfigurationFileSetsTheDefaultPolicyAndExemptions(@TempDir Path configured) throws Exception {
        var file = java.nio.file.Files.writeString(configured.resolve("admission.yaml"), """
                apiVersion: apiserver.config.k8s.io/v1
                kind: AdmissionConfiguration
                plugins:
                - name: PodSecurity
                  path: podsecurity.yaml
                """);
        java.nio.file.Files.writeString(configured.resolve("podsecurity.yaml"), """
                apiVersion: pod-security.admission.config.k8s.io/v1
                kind: PodSecurityConfiguration
                defaults: {enforce: baseline}
                exemptions: {namespaces: [kube-system]}
                """);
        var options = new dev.skiff.apiserver.admission.AdmissionOptions(java.util.List.of(), java.util.List.of("ServiceAccount"),
                dev.skiff.apiserver.admission.AdmissionConfiguration.read(file));
        try (var server = new AdmissionServer(configured.resolve("server"), options)) {
            var refused = server.post("/api/v1/namespaces/default/pods", PRIVILEGED_POD.formatted("p"));
            assertThat(refused.code()).isEqualTo(403);
            assertThat(refused.body().path("message").asText()).startsWith("pods \"p\" is forbidden: violates PodSecurity \"baseline:latest\"");
            assertThat(server.post("/api/v1/namespaces/kube-system/pods", PRIVILEGED_POD.formatted("p")).code()).isEqualTo(201);
        }
    }

    @Test
    void enforceRefusesAPodWithUpstreamsStatus() throws Exception {
        namespace("locked", "\"pod-security.kubernetes.io/enforce\":\"restricted\"");
        var answer = raw.post("/api/v1/namespaces/locked/pods", PLAIN_POD.formatted("x"));
        assertThat(answer.code()).isEqualTo(403);
        assertThat(answer.body().path("reason").asText()).isEqualTo("Forbidden");
        assertThat(answer.body().path("code").asInt()).isEqualTo(403);
        assertThat(answer.body().path("message").asText()).isEqualTo("pods \"x\" is forbidden: violates PodSecurity \"restricted:latest\": "
                + "allowPrivilegeEscalation != false (container \"c\" must set securityContext.allowPrivilegeEscalation=false), "
                + "unrestricted capabilities (container \"c\" must set securityContext.capabilities.drop=[\"ALL\"]), "
                + "runAsNonRoot != true (pod or container \"c\" must set securityContext.runAsNonRoot=true), "
                + "seccompProfile (pod or container \"c\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")");
        assertThat(answer.body().at("/details/name").asText()).isEqualTo("x");
        assertThat(answer.warnings()).isEmpty();
        var compliant = raw.post("/api/v1/namespaces/locked/pods", """
                {"apiVersion":"v1","kind":"Pod","metadata":{"name":"ok"},"spec":{
                 "securityContext":{"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"}},
                 "containers":[{"name":"c","image":"busybox","securityContext":{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]}}}]}}""");
        assertThat(compliant.code()).isEqualTo(201);
        assertThat(compliant.warnings()).isEmpty();
    }

    @Test
    void warnAdmitsWithAWarningHeaderAndWorkloadsAreOnlyWarned() throws Exception {
        namespace("watched", "\"pod-security.kubernetes.io/warn\":\"baseline\",\"pod-security.kubernetes.io/enforce\":\"baseline\","
                + "\"pod-security.kubernetes.io/enforce-version\":\"v1.0\",\"pod-security.kubernetes.io/warn-version\":\"v1.30\"");
        var pod = raw.post("/api/v1/namespaces/watched/pods", PLAIN_POD.formatted("calm"));
        assertThat(pod.code()).isEqualTo(201);
        assertThat(pod.warnings()).isEmpty();
        var refused = raw.post("/api/v1/namespaces/watched/pods", PRIVILEGED_POD.formatted("loud"));
        assertThat(refused.code()).isEqualTo(403);
        assertThat(refused.body().path("message").asText()).isEqualTo("pods \"loud\" is forbidden: violates PodSecurity \"baseline:v1.0\": "
                + "privileged (container \"c\" must not set securityContext.privileged=true)");
        var deployment = raw.post("/apis/apps/v1/namespaces/watched/deployments", """
                {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"selector":{"matchLabels":{"app":"d"}},
                 "template":{"metadata":{"labels":{"app":"d"}},"spec":{"hostNetwork":true,"containers":[
                 {"name":"c","image":"busybox","securityContext":{"privileged":true}}]}}}}""");
        assertThat(deployment.code()).isEqualTo(201);
        assertThat(deployment.warnings()).containsExactly("299 - \"would violate PodSecurity \\\"baseline:v1.30\\\": host namespaces "
                + "(hostNetwork=true), privileged (container \\\"c\\\" must not set securityContext.privileged=true)\"");
    }

    @Test
    void labellingANamespaceWarnsAboutItsExistingPodsAndBadLabelsAreInvalid() throws Exception {
        namespace("team", "");
        assertThat(raw.post("/api/v1/namespaces/team/pods", PRIVILEGED_POD.formatted("web")).code()).isEqualTo(201);
        var labelled = raw.send("PATCH", "/api/v1/namespaces/team", "application/merge-patch+json",
                "{\"metadata\":{\"labels\":{\"pod-security.kubernetes.io/enforce\":\"baseline\"}}}");
        assertThat(labelled.code()).isEqualTo(200);
        assertThat(labelled.warnings()).containsExactly("299 - \"existing pods in namespace \\\"team\\\" violate the new PodSecurity enforce "
                + "level \\\"baseline:latest\\\"\", 299 - \"web: privileged\"");
        var invalid = raw.send("PATCH", "/api/v1/namespaces/team", "application/merge-patch+json",
                "{\"metadata\":{\"labels\":{\"pod-security.kubernetes.io/enforce-version\":\"1.30\"}}}");
        assertThat(invalid.code()).isEqualTo(422);
        assertThat(invalid.body().path("reason").asText()).isEqualTo("Invalid");
        assertThat(invalid.body().path("message").asText()).isEqualTo("Namespace \"team\" is invalid: "
                + "metadata.labels[pod-security.kubernetes.io/enforce-version]: Invalid value: \"1.30\": must be \"latest\" or \"v1.x\"");
        assertThat(invalid.body().at("/details/causes/0/field").asText()).isEqualTo("metadata.labels[pod-security.kubernetes.io/enforce-version]");
    }
}
