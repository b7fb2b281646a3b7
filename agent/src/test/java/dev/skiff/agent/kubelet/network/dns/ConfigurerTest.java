package dev.skiff.agent.kubelet.network.dns;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.agent.cri.v1.DNSConfig;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodDNSConfigBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigurerTest {
    @TempDir
    Path dir;
    private Path hostResolvConf;
    private Configurer configurer;

    @BeforeEach
    void hostFile() throws Exception {
        hostResolvConf = dir.resolve("resolv.conf");
        Files.writeString(hostResolvConf, """
                # written by the host
                nameserver 192.0.2.53
                nameserver 192.0.2.54
                search corp.example. example.org
                options edns0 timeout:2
                """);
        configurer = new Configurer(List.of("10.43.0.10"), "cluster.local", hostResolvConf);
    }

    private static Pod pod(String policy, boolean hostNetwork) {
        return new PodBuilder().withNewMetadata().withName("p").withNamespace("team").endMetadata()
                .withNewSpec().withDnsPolicy(policy).withHostNetwork(hostNetwork).endSpec().build();
    }

    @Test
    void clusterFirstUsesTheClusterDnsAndClusterSearchesThenTheHosts() throws Exception {
        DNSConfig dns = configurer.podDns(pod("ClusterFirst", false));
        assertThat(dns.getServersList()).containsExactly("10.43.0.10");
        assertThat(dns.getSearchesList()).containsExactly("team.svc.cluster.local", "svc.cluster.local", "cluster.local",
                "corp.example", "example.org");
        assertThat(dns.getOptionsList()).containsExactly("ndots:5");
        // the API server defaults dnsPolicy to ClusterFirst; a pod read without it is treated alike
        assertThat(configurer.podDns(pod(null, false))).isEqualTo(dns);
    }

    @Test
    void clusterFirstOnTheHostNetworkIsDefaultUnlessWithHostNet() throws Exception {
        DNSConfig host = configurer.podDns(pod("ClusterFirst", true));
        assertThat(host.getServersList()).containsExactly("192.0.2.53", "192.0.2.54");
        assertThat(host.getSearchesList()).containsExactly("corp.example", "example.org");
        assertThat(host.getOptionsList()).containsExactly("edns0", "timeout:2");
        assertThat(configurer.podDns(pod("Default", false))).isEqualTo(host);
        assertThat(configurer.podDns(pod("ClusterFirstWithHostNet", true)).getServersList()).containsExactly("10.43.0.10");
    }

    @Test
    void withoutClusterDnsClusterFirstFallsBackToTheHosts() throws Exception {
        var noClusterDns = new Configurer(List.of(), "cluster.local", hostResolvConf);
        assertThat(noClusterDns.podDns(pod("ClusterFirst", false)).getServersList()).containsExactly("192.0.2.53", "192.0.2.54");
    }

    @Test
    void noneUsesOnlyThePodsDnsConfig() throws Exception {
        Pod pod = pod("None", false);
        assertThat(configurer.podDns(pod)).isEqualTo(DNSConfig.getDefaultInstance());
        pod.getSpec().setDnsConfig(new PodDNSConfigBuilder().withNameservers("192.0.2.1").withSearches("ns1.example")
                .addNewOption().withName("ndots").withValue("2").endOption().addNewOption().withName("rotate").endOption().build());
        DNSConfig dns = configurer.podDns(pod);
        assertThat(dns.getServersList()).containsExactly("192.0.2.1");
        assertThat(dns.getSearchesList()).containsExactly("ns1.example");
        assertThat(dns.getOptionsList()).containsExactly("ndots:2", "rotate");
    }

    @Test
    void dnsConfigIsMergedWithoutDuplicatesAndItsOptionsOverride() throws Exception {
        Pod pod = pod("ClusterFirst", false);
        pod.getSpec().setDnsConfig(new PodDNSConfigBuilder().withNameservers("10.43.0.10", "192.0.2.1")
                .withSearches("svc.cluster.local", "extra.example").addNewOption().withName("ndots").withValue("1").endOption()
                .addNewOption().withName("edns0").endOption().build());
        DNSConfig dns = configurer.podDns(pod);
        assertThat(dns.getServersList()).containsExactly("10.43.0.10", "192.0.2.1");
        assertThat(dns.getSearchesList()).containsExactly("team.svc.cluster.local", "svc.cluster.local", "cluster.local",
                "corp.example", "example.org", "extra.example");
        assertThat(dns.getOptionsList()).containsExactly("ndots:1", "edns0");
    }

    @Test
    void limitsKeepThreeNameserversAnd32SearchesOfAtMost2048Characters() throws Exception {
        Pod pod = pod("None", false);
        List<String> searches = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            searches.add("d" + i + ".example");
        }
        searches.add(1, "x".repeat(254));
        pod.getSpec().setDnsConfig(new PodDNSConfigBuilder().withNameservers("192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4")
                .withSearches(searches).build());
        DNSConfig dns = configurer.podDns(pod);
        assertThat(dns.getServersList()).containsExactly("192.0.2.1", "192.0.2.2", "192.0.2.3");
        // the first 32, less the one longer than 253 characters
        assertThat(dns.getSearchesList()).hasSize(31).startsWith("d0.example", "d1.example").endsWith("d30.example");

        List<String> long100 = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            long100.add(("s" + i + ".").repeat(40).substring(0, 99));
        }
        List<String> kept = Configurer.fitSearches(long100);
        assertThat(String.join(" ", kept).length()).isLessThanOrEqualTo(2048);
        assertThat(kept).hasSize(20).isEqualTo(long100.subList(0, 20));
    }

    @Test
    void resolvConfParsesAsTheKubeletDoes() {
        var conf = Configurer.ResolvConf.parse("""
                nameserver 192.0.2.1
                search a.example
                # nameserver 192.0.2.9
                nameserver 192.0.2.2
                search b.example. c.example
                options ndots:1
                options rotate
                domain ignored.example
                """);
        assertThat(conf.nameservers()).containsExactly("192.0.2.1", "192.0.2.2");
        assertThat(conf.searches()).containsExactly("b.example", "c.example");
        assertThat(conf.options()).containsExactly("rotate");
    }
}
