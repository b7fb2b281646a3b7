package dev.skiff.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Services and endpoints through the real kubectl, newest and 1.27, against a real {@code skiff server} process. */
class KubectlServicesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static SkiffProcess server;
    static Kubectl kubectl;
    static String oldest;
    static int httpsPort;

    @BeforeAll
    static void startServer() throws Exception {
        Path kubeconfig = dir.resolve("admin.yaml");
        httpsPort = SkiffProcess.freePort();
        server = SkiffProcess.apiServer(dir, httpsPort, kubeconfig);
        kubectl = new Kubectl(kubeconfig, dir);
        oldest = Kubectl.oldest();
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            assertThat(server.stop()).isEqualTo(143);
        }
    }

    private static List<String> cells(String line) {
        return Arrays.asList(line.trim().split("\\s{2,}"));
    }

    @Test
    void kubectlCreatesAndExposesServicesPrintedWithUpstreamColumns() throws Exception {
        kubectl.ok("kubectl", "create", "namespace", "svc");
        assertThat(kubectl.ok("kubectl", "create", "service", "clusterip", "web", "--tcp=80:8080", "-n", "svc")).isEqualTo("service/web created");
        assertThat(kubectl.ok(oldest, "create", "service", "nodeport", "np", "--tcp=80:8080", "--node-port=30080", "-n", "svc"))
                .isEqualTo("service/np created");
        kubectl.ok("kubectl", "create", "deployment", "app", "--image=nginx", "-n", "svc");
        assertThat(kubectl.ok("kubectl", "expose", "deployment", "app", "--port=8081", "--target-port=80", "-n", "svc"))
                .isEqualTo("service/app exposed");

        JsonNode web = JSON.readTree(kubectl.ok("kubectl", "get", "svc", "web", "-n", "svc", "-o", "json"));
        assertThat(web.at("/spec/type").asText()).isEqualTo("ClusterIP");
        assertThat(web.at("/spec/sessionAffinity").asText()).isEqualTo("None");
        assertThat(web.at("/spec/ports/0/protocol").asText()).isEqualTo("TCP");
        assertThat(web.at("/spec/ports/0/targetPort").asInt()).isEqualTo(8080);
        assertThat(web.at("/spec/internalTrafficPolicy").asText()).isEqualTo("Cluster");
        assertThat(web.at("/spec/selector/app").asText()).isEqualTo("web");
        JsonNode np = JSON.readTree(kubectl.ok("kubectl", "get", "svc", "np", "-n", "svc", "-o", "json"));
        assertThat(np.at("/spec/externalTrafficPolicy").asText()).isEqualTo("Cluster");

        for (String k : List.of("kubectl", oldest)) {
            var lines = kubectl.ok(k, "get", "svc", "-n", "svc", "-o", "wide").lines().toList();
            assertThat(cells(lines.getFirst())).as(k).containsExactly("NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE", "SELECTOR");
            assertThat(lines.stream().skip(1).map(l -> {
                var c = cells(l);
                return c.get(0) + " " + c.get(1) + " " + c.get(3) + " " + c.get(4) + " " + c.get(6);
            }).toList()).as(k).containsExactly("app ClusterIP <none> 8081/TCP app=app", "np NodePort <none> 80:30080/TCP app=np",
                    "web ClusterIP <none> 80/TCP app=web");
        }
    }

    @Test
    void invalidServicesAndEndpointsAreRejectedWithUpstreamMessages() throws Exception {
        kubectl.ok("kubectl", "create", "namespace", "bad");
        Path icmp = dir.resolve("icmp.yaml");
        Files.writeString(icmp, "apiVersion: v1\nkind: Service\nmetadata:\n  name: icmp\n  namespace: bad\nspec:\n  ports:\n  - port: 80\n    protocol: ICMP\n");
        var rejected = kubectl.run("kubectl", "create", "-f", icmp.toString());
        assertThat(rejected.exit()).isEqualTo(1);
        assertThat(rejected.err().strip()).isEqualTo("The Service \"icmp\" is invalid: spec.ports[0].protocol: Unsupported value: \"ICMP\": "
                + "supported values: \"SCTP\", \"TCP\", \"UDP\"");
        assertThat(kubectl.run("kubectl", "get", "svc", "icmp", "-n", "bad").exit()).isEqualTo(1);

        Path loopback = dir.resolve("loopback.yaml");
        Files.writeString(loopback, "apiVersion: v1\nkind: Endpoints\nmetadata:\n  name: lo\n  namespace: bad\nsubsets:\n"
                + "- addresses:\n  - ip: 127.0.0.1\n  ports:\n  - port: 80\n");
        assertThat(kubectl.run("kubectl", "create", "-f", loopback.toString()).err().strip()).isEqualTo("The Endpoints \"lo\" is invalid: "
                + "subsets[0].addresses[0].ip: Invalid value: \"127.0.0.1\": may not be in the loopback range (127.0.0.0/8, ::1/128)");
    }

    @Test
    void endpointsArePrintedAsAddressPortPairs() throws Exception {
        kubectl.ok("kubectl", "create", "namespace", "eps");
        Path file = dir.resolve("eps.yaml");
        Files.writeString(file, "apiVersion: v1\nkind: Endpoints\nmetadata:\n  name: db\n  namespace: eps\nsubsets:\n"
                + "- addresses:\n  - ip: 10.0.0.1\n  - ip: 10.0.0.2\n  ports:\n  - port: 5432\n");
        assertThat(kubectl.ok("kubectl", "create", "-f", file.toString())).isEqualTo("endpoints/db created");
        for (String k : List.of("kubectl", oldest)) {
            var lines = kubectl.ok(k, "get", "endpoints", "-n", "eps").lines().toList();
            assertThat(cells(lines.getFirst())).as(k).containsExactly("NAME", "ENDPOINTS", "AGE");
            assertThat(cells(lines.get(1)).subList(0, 2)).as(k).containsExactly("db", "10.0.0.1:5432,10.0.0.2:5432");
        }
        assertThat(JSON.readTree(kubectl.ok("kubectl", "get", "ep", "db", "-n", "eps", "-o", "json")).at("/subsets/0/ports/0/protocol").asText())
                .isEqualTo("TCP");
    }

    @Test
    void theKubernetesServiceAndItsEndpointsExist() throws Exception {
        for (String k : List.of("kubectl", oldest)) {
            var svc = kubectl.ok(k, "get", "svc", "kubernetes").lines().toList();
            assertThat(cells(svc.getFirst())).as(k).containsExactly("NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE");
            assertThat(cells(svc.get(1)).subList(0, 5)).as(k).containsExactly("kubernetes", "ClusterIP", "10.43.0.1", "<none>", "443/TCP");
            var ep = kubectl.ok(k, "get", "endpoints", "kubernetes").lines().toList();
            assertThat(cells(ep.get(1)).get(1)).as(k).endsWith(":" + httpsPort);
        }
        JsonNode svc = JSON.readTree(kubectl.ok("kubectl", "get", "svc", "kubernetes", "-o", "json"));
        assertThat(svc.at("/metadata/labels/component").asText()).isEqualTo("apiserver");
        assertThat(svc.at("/metadata/labels/provider").asText()).isEqualTo("kubernetes");
        assertThat(svc.at("/spec/ports/0/name").asText()).isEqualTo("https");
    }
}
