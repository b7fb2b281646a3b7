package dev.skiff.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * The cluster DNS of a real {@code skiff server} process: kube-system/kube-dns published with the cluster DNS IP
 * and the server's address as endpoint, and services made with the real kubectl answered over UDP and TCP
 * (asked on loopback; the server listens on all addresses of a free port).
 */
class ClusterDnsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static SkiffProcess server;
    static Kubectl kubectl;
    static int dnsPort;

    @BeforeAll
    static void startServer() throws Exception {
        Path kubeconfig = dir.resolve("admin.yaml");
        dnsPort = SkiffProcess.freePort();
        server = SkiffProcess.apiServer(dir, SkiffProcess.freePort(), kubeconfig, "--dns-listen-address", "0.0.0.0:" + dnsPort);
        kubectl = new Kubectl(kubeconfig, dir);
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            assertThat(server.stop()).isEqualTo(143);
        }
    }

    @Test
    void kubeDnsServiceRoutesTheClusterDnsIpToTheServer() throws Exception {
        JsonNode service = JSON.readTree(kubectl.ok("kubectl", "get", "svc", "kube-dns", "-n", "kube-system", "-o", "json"));
        assertThat(service.at("/spec/clusterIP").asText()).isEqualTo("10.43.0.10");
        assertThat(service.at("/spec/ports/0/name").asText() + "/" + service.at("/spec/ports/0/protocol").asText()).isEqualTo("dns/UDP");
        assertThat(service.at("/spec/ports/1/name").asText() + "/" + service.at("/spec/ports/1/protocol").asText()).isEqualTo("dns-tcp/TCP");
        assertThat(service.at("/spec/ports/0/targetPort").asInt()).isEqualTo(dnsPort);
        JsonNode slice = JSON.readTree(kubectl.ok("kubectl", "get", "endpointslice", "kube-dns", "-n", "kube-system", "-o", "json"));
        String endpoint = slice.at("/endpoints/0/addresses/0").asText();
        assertThat(InetAddress.getByName(endpoint).isLoopbackAddress()).isFalse();
        assertThat(slice.at("/ports/0/port").asInt()).isEqualTo(dnsPort);
        assertThat(kubectl.ok("kubectl", "get", "endpoints", "kube-dns", "-n", "kube-system", "-o", "jsonpath={.subsets[0].addresses[0].ip}"))
                .isEqualTo(endpoint);

        Message a = query("kube-dns.kube-system.svc.cluster.local.", Type.A, false);
        assertThat(a.getSection(Section.ANSWER)).extracting(Record::rdataToString).containsExactly("10.43.0.10");
        assertThat(query("kubernetes.default.svc.cluster.local.", Type.A, true).getSection(Section.ANSWER))
                .extracting(Record::rdataToString).containsExactly("10.43.0.1");
    }

    @Test
    void servicesMadeWithKubectlResolve() throws Exception {
        kubectl.ok("kubectl", "create", "namespace", "dns");
        kubectl.ok("kubectl", "create", "service", "clusterip", "web", "--tcp=80:8080", "-n", "dns");
        String ip = kubectl.ok("kubectl", "get", "svc", "web", "-n", "dns", "-o", "jsonpath={.spec.clusterIP}");

        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        Message a = query("web.dns.svc.cluster.local.", Type.A, false);
        while (a.getSection(Section.ANSWER).isEmpty() && Instant.now().isBefore(deadline)) {
            Thread.sleep(100);
            a = query("web.dns.svc.cluster.local.", Type.A, false);
        }
        assertThat(a.getSection(Section.ANSWER)).extracting(Record::rdataToString).containsExactly(ip);
        assertThat(query("_80-8080._tcp.web.dns.svc.cluster.local.", Type.SRV, false).getSection(Section.ANSWER))
                .extracting(Record::rdataToString).containsExactly("0 100 80 web.dns.svc.cluster.local.");
        assertThat(query(ReverseMap.fromAddress(ip).toString(), Type.PTR, false).getSection(Section.ANSWER))
                .extracting(Record::rdataToString).containsExactly("web.dns.svc.cluster.local.");

        kubectl.ok("kubectl", "delete", "service", "web", "-n", "dns");
        Message gone = query("web.dns.svc.cluster.local.", Type.A, false);
        while (gone.getRcode() != Rcode.NXDOMAIN && Instant.now().isBefore(deadline)) {
            Thread.sleep(100);
            gone = query("web.dns.svc.cluster.local.", Type.A, false);
        }
        assertThat(gone.getRcode()).isEqualTo(Rcode.NXDOMAIN);
    }

    private static Message query(String name, int type, boolean tcp) throws Exception {
        var resolver = new SimpleResolver(new InetSocketAddress(InetAddress.getLoopbackAddress(), dnsPort));
        resolver.setTCP(tcp);
        resolver.setTimeout(Duration.ofSeconds(10));
        return resolver.send(Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.IN)));
    }
}
