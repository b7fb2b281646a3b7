package dev.skiff.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.apiserver.controlplane.LocalControlPlane;
import dev.skiff.client.rest.RestClients;
import dev.skiff.dns.kubernetes.KubernetesZone;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/**
 * The cluster DNS server against a real API server (embedded store) and a real DNS client (dnsjava's
 * SimpleResolver) over loopback, with a second DNS server on loopback as the host's resolver.
 */
class DnsServerTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final InetAddress CLUSTER_DNS = address("10.43.0.10");
    /** The node address the kube-dns endpoints name (only written to the API, never contacted). */
    private static final InetAddress NODE_IP = address("192.0.2.10");

    @TempDir
    Path dir;
    private LocalControlPlane controlPlane;
    private KubernetesClient client;
    private UpstreamServer upstream;
    private DnsServer dns;

    @BeforeEach
    void start() throws Exception {
        controlPlane = LocalControlPlane.start(dir);
        client = RestClients.fromKubeconfig(controlPlane.kubeconfig());
        upstream = new UpstreamServer();
        upstream.add(new ARecord(Name.fromString("example.test."), DClass.IN, 300, address("192.0.2.1")));
        upstream.add(new PTRRecord(ReverseMap.fromAddress("192.0.2.1"), DClass.IN, 300, Name.fromString("example.test.")));
        dns = DnsServer.start(client, config(List.of(upstream.address()), Duration.ofSeconds(2)));
    }

    private static DnsServer.Config config(List<InetSocketAddress> upstreams, Duration forwardTimeout) {
        return new DnsServer.Config(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), "cluster.local", CLUSTER_DNS,
                KubernetesZone.DEFAULT_TTL, upstreams, forwardTimeout);
    }

    @AfterEach
    void stop() throws Exception {
        if (dns != null) {
            dns.close();
        }
        if (upstream != null) {
            upstream.close();
        }
        if (client != null) {
            client.close();
        }
        if (controlPlane != null) {
            controlPlane.close();
        }
    }

    @Test
    void clusterIpServiceHasARecordSrvPerNamedPortAndPtr() throws Exception {
        Service web = client.resource(new ServiceBuilder().withNewMetadata().withName("web").withNamespace("default").endMetadata()
                .withNewSpec().addNewPort().withName("http").withPort(80).withProtocol("TCP").endPort()
                .addNewPort().withName("metrics").withPort(8080).withProtocol("TCP").endPort()
                .addToSelector("app", "web").endSpec().build()).create();
        String ip = web.getSpec().getClusterIP();

        Message a = awaitAnswer("web.default.svc.cluster.local.", Type.A, m -> m.getSection(Section.ANSWER).size() == 1);
        assertThat(a.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(a.getHeader().getFlag(Flags.AA)).isTrue();
        ARecord record = (ARecord) a.getSection(Section.ANSWER).get(0);
        assertThat(record.getAddress().getHostAddress()).isEqualTo(ip);
        assertThat(record.getTTL()).isEqualTo(5);
        // names are case-insensitive
        assertThat(query("WEB.Default.SVC.cluster.local.", Type.A, false).getSection(Section.ANSWER)).hasSize(1);

        Message srv = query("_http._tcp.web.default.svc.cluster.local.", Type.SRV, false);
        assertThat(srv.getSection(Section.ANSWER)).singleElement().satisfies(r -> {
            SRVRecord s = (SRVRecord) r;
            assertThat(s.getPort()).isEqualTo(80);
            assertThat(s.getPriority()).isZero();
            assertThat(s.getWeight()).isEqualTo(100);
            assertThat(s.getTarget()).isEqualTo(Name.fromString("web.default.svc.cluster.local."));
        });
        assertThat(srv.getSection(Section.ADDITIONAL)).anySatisfy(r -> assertThat(r.rdataToString()).isEqualTo(ip));
        // the port's protocol must match, the port's name must exist
        assertThat(query("_http._udp.web.default.svc.cluster.local.", Type.SRV, false).getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(query("_nope._tcp.web.default.svc.cluster.local.", Type.SRV, false).getRcode()).isEqualTo(Rcode.NXDOMAIN);
        // SRV of the service name: every port
        assertThat(query("web.default.svc.cluster.local.", Type.SRV, false).getSection(Section.ANSWER))
                .extracting(r -> ((SRVRecord) r).getPort()).containsExactlyInAnyOrder(80, 8080);

        Message ptr = query(ReverseMap.fromAddress(ip).toString(), Type.PTR, false);
        assertThat(ptr.getSection(Section.ANSWER)).singleElement()
                .satisfies(r -> assertThat(((PTRRecord) r).getTarget()).isEqualTo(Name.fromString("web.default.svc.cluster.local.")));

        // NODATA: the name exists, the type does not (an IPv4-only service asked for AAAA)
        Message aaaa = query("web.default.svc.cluster.local.", Type.AAAA, false);
        assertThat(aaaa.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(aaaa.getSection(Section.ANSWER)).isEmpty();
        assertThat(aaaa.getSection(Section.AUTHORITY)).singleElement().isInstanceOf(SOARecord.class);

        // a deleted service is gone
        client.resource(web).delete();
        awaitAnswer("web.default.svc.cluster.local.", Type.A, m -> m.getRcode() == Rcode.NXDOMAIN);
    }

    @Test
    void headlessServiceAnswersReadyEndpointsByServiceAndHostname() throws Exception {
        client.resource(new ServiceBuilder().withNewMetadata().withName("db").withNamespace("default").endMetadata()
                .withNewSpec().withClusterIP("None").addNewPort().withName("pg").withPort(5432).withProtocol("TCP").endPort()
                .endSpec().build()).create();
        EndpointSlice v4 = client.resource(slice("db", "db-v4", "IPv4", List.of(
                endpoint("10.42.0.5", "db-0", true), endpoint("10.42.0.6", null, true), endpoint("10.42.0.7", "db-2", false)))).create();
        client.resource(slice("db", "db-v6", "IPv6", List.of(endpoint("fd00::6", "db-1", true)))).create();

        Message a = awaitAnswer("db.default.svc.cluster.local.", Type.A, m -> m.getSection(Section.ANSWER).size() == 2);
        assertThat(a.getSection(Section.ANSWER)).extracting(Record::rdataToString).containsExactlyInAnyOrder("10.42.0.5", "10.42.0.6");
        Message aaaa = awaitAnswer("db.default.svc.cluster.local.", Type.AAAA, m -> m.getSection(Section.ANSWER).size() == 1);
        assertThat(((AAAARecord) aaaa.getSection(Section.ANSWER).get(0)).getAddress()).isEqualTo(address("fd00::6"));

        assertThat(query("db-0.db.default.svc.cluster.local.", Type.A, false).getSection(Section.ANSWER))
                .extracting(Record::rdataToString).containsExactly("10.42.0.5");
        // an endpoint without hostname is named by its dashed address
        assertThat(query("10-42-0-6.db.default.svc.cluster.local.", Type.A, false).getSection(Section.ANSWER))
                .extracting(Record::rdataToString).containsExactly("10.42.0.6");
        // not ready: not published
        assertThat(query("db-2.db.default.svc.cluster.local.", Type.A, false).getRcode()).isEqualTo(Rcode.NXDOMAIN);

        Message srv = query("_pg._tcp.db.default.svc.cluster.local.", Type.SRV, false);
        assertThat(srv.getSection(Section.ANSWER)).extracting(r -> ((SRVRecord) r).getTarget().toString())
                .containsExactlyInAnyOrder("db-0.db.default.svc.cluster.local.", "10-42-0-6.db.default.svc.cluster.local.",
                        "db-1.db.default.svc.cluster.local.");
        assertThat(srv.getSection(Section.ANSWER)).allSatisfy(r -> assertThat(((SRVRecord) r).getPort()).isEqualTo(5432));
        assertThat(srv.getSection(Section.ADDITIONAL)).extracting(Record::rdataToString).contains("10.42.0.5", "10.42.0.6", "fd00:0:0:0:0:0:0:6");

        Message ptr = query(ReverseMap.fromAddress("10.42.0.5").toString(), Type.PTR, false);
        assertThat(ptr.getSection(Section.ANSWER)).extracting(r -> ((PTRRecord) r).getTarget().toString())
                .containsExactly("db-0.db.default.svc.cluster.local.");
        Message ptr6 = query(ReverseMap.fromAddress("fd00::6").toString(), Type.PTR, false);
        assertThat(ptr6.getSection(Section.ANSWER)).extracting(r -> ((PTRRecord) r).getTarget().toString())
                .containsExactly("db-1.db.default.svc.cluster.local.");

        // an endpoint that becomes not ready leaves the answers
        client.resource(new EndpointSliceBuilder(v4).withEndpoints(endpoint("10.42.0.5", "db-0", false), endpoint("10.42.0.6", null, true)).build()).update();
        awaitAnswer("db.default.svc.cluster.local.", Type.A, m -> m.getSection(Section.ANSWER).size() == 1);
        assertThat(query("db-0.db.default.svc.cluster.local.", Type.A, false).getRcode()).isEqualTo(Rcode.NXDOMAIN);
    }

    @Test
    void largeUdpAnswersAreTruncatedAndComeWholeOverTcp() throws Exception {
        client.resource(new ServiceBuilder().withNewMetadata().withName("big").withNamespace("default").endMetadata()
                .withNewSpec().withClusterIP("None").endSpec().build()).create();
        List<io.fabric8.kubernetes.api.model.discovery.v1.Endpoint> endpoints = new ArrayList<>();
        for (int i = 1; i <= 60; i++) {
            endpoints.add(endpoint("10.42.1." + i, null, true));
        }
        client.resource(slice("big", "big-1", "IPv4", endpoints)).create();

        Message tcp = awaitAnswer("big.default.svc.cluster.local.", Type.A, true, m -> m.getSection(Section.ANSWER).size() == 60);
        assertThat(tcp.getHeader().getFlag(Flags.TC)).isFalse();
        Message udp = query("big.default.svc.cluster.local.", Type.A, false);
        assertThat(udp.getHeader().getFlag(Flags.TC)).isTrue();
        assertThat(udp.toWire().length).isLessThanOrEqualTo(512);
        // a client advertising a larger EDNS0 payload gets it all over UDP
        var resolver = new SimpleResolver(dns.address());
        resolver.setEDNS(0, 1232, 0, List.of());
        Message edns = resolver.send(Message.newQuery(Record.newRecord(Name.fromString("big.default.svc.cluster.local."), Type.A, DClass.IN)));
        assertThat(edns.getHeader().getFlag(Flags.TC)).isFalse();
        assertThat(edns.getSection(Section.ANSWER)).hasSize(60);
        assertThat(edns.getOPT()).isNotNull();
    }

    @Test
    void externalNameIsACnameFollowedThroughTheUpstream() throws Exception {
        client.resource(new ServiceBuilder().withNewMetadata().withName("ext").withNamespace("default").endMetadata()
                .withNewSpec().withType("ExternalName").withExternalName("example.test").endSpec().build()).create();

        Message a = awaitAnswer("ext.default.svc.cluster.local.", Type.A, m -> !m.getSection(Section.ANSWER).isEmpty());
        assertThat(a.getSection(Section.ANSWER)).hasSize(2);
        assertThat(((CNAMERecord) a.getSection(Section.ANSWER).get(0)).getTarget()).isEqualTo(Name.fromString("example.test."));
        assertThat(a.getSection(Section.ANSWER).get(1).rdataToString()).isEqualTo("192.0.2.1");
        assertThat(query("ext.default.svc.cluster.local.", Type.CNAME, false).getSection(Section.ANSWER)).singleElement()
                .isInstanceOf(CNAMERecord.class);
        // an IP address is no CNAME target: the name has no records (made before alias, so synced before it: one worker, in order)
        client.resource(new ServiceBuilder().withNewMetadata().withName("byip").withNamespace("default").endMetadata()
                .withNewSpec().withType("ExternalName").withExternalName("192.0.2.9").endSpec().build()).create();
        // an ExternalName naming another service is followed inside the zone
        client.resource(new ServiceBuilder().withNewMetadata().withName("alias").withNamespace("default").endMetadata()
                .withNewSpec().withType("ExternalName").withExternalName("kubernetes.default.svc.cluster.local").endSpec().build()).create();
        Message alias = awaitAnswer("alias.default.svc.cluster.local.", Type.A, m -> m.getSection(Section.ANSWER).size() == 2);
        assertThat(alias.getSection(Section.ANSWER).get(1).rdataToString()).isEqualTo("10.43.0.1");
        assertThat(query("byip.default.svc.cluster.local.", Type.A, false).getRcode()).isEqualTo(Rcode.NXDOMAIN);
    }

    @Test
    void unknownNamesAreNxdomainAndEmptyOnesNodata() throws Exception {
        client.resource(new NamespaceBuilder().withNewMetadata().withName("other").endMetadata().build()).create();
        awaitAnswer("other.svc.cluster.local.", Type.A, m -> m.getRcode() == Rcode.NOERROR);

        assertThat(query("nosuch.default.svc.cluster.local.", Type.A, false).getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(query("web.nosuch.svc.cluster.local.", Type.A, false).getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(query("a.b.c.d.e.default.svc.cluster.local.", Type.A, false).getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(query("foo.cluster.local.", Type.A, false).getRcode()).isEqualTo(Rcode.NXDOMAIN);
        Message nx = query("nosuch.default.svc.cluster.local.", Type.A, false);
        assertThat(nx.getSection(Section.AUTHORITY)).singleElement().isInstanceOf(SOARecord.class);
        assertThat(nx.getHeader().getFlag(Flags.AA)).isTrue();
        for (String empty : List.of("svc.cluster.local.", "default.svc.cluster.local.", "pod.cluster.local.", "cluster.local.")) {
            Message m = query(empty, Type.A, false);
            assertThat(m.getRcode()).as(empty).isEqualTo(Rcode.NOERROR);
            assertThat(m.getSection(Section.ANSWER)).as(empty).isEmpty();
        }
        assertThat(query("cluster.local.", Type.SOA, false).getSection(Section.ANSWER)).singleElement().isInstanceOf(SOARecord.class);
        Message ns = query("cluster.local.", Type.NS, false);
        assertThat(ns.getSection(Section.ANSWER)).extracting(Record::rdataToString).containsExactly("ns.dns.cluster.local.");
        assertThat(ns.getSection(Section.ADDITIONAL)).extracting(Record::rdataToString).contains("10.43.0.10");
        Message version = query("dns-version.cluster.local.", Type.TXT, false);
        assertThat(((TXTRecord) version.getSection(Section.ANSWER).get(0)).getStrings()).containsExactly("1.1.0");
    }

    @Test
    void podRecordsAnswerTheAddressInTheName() throws Exception {
        Message a = awaitAnswer("10-42-0-9.default.pod.cluster.local.", Type.A, m -> m.getRcode() == Rcode.NOERROR);
        assertThat(a.getSection(Section.ANSWER)).extracting(Record::rdataToString).containsExactly("10.42.0.9");
        Message aaaa = query("fd00--9.default.pod.cluster.local.", Type.AAAA, false);
        assertThat(((AAAARecord) aaaa.getSection(Section.ANSWER).get(0)).getAddress()).isEqualTo(address("fd00::9"));
        assertThat(query("10-42-0-9.default.pod.cluster.local.", Type.AAAA, false).getSection(Section.ANSWER)).isEmpty();
        assertThat(query("10-42-0-9.nosuch.pod.cluster.local.", Type.A, false).getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(query("not-an-ip.default.pod.cluster.local.", Type.A, false).getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(query("10-42-0-999.default.pod.cluster.local.", Type.A, false).getRcode()).isEqualTo(Rcode.NXDOMAIN);
    }

    @Test
    void namesOutsideTheClusterAreForwardedOverTheClientsTransport() throws Exception {
        Message udp = query("example.test.", Type.A, false);
        assertThat(udp.getSection(Section.ANSWER)).extracting(Record::rdataToString).containsExactly("192.0.2.1");
        assertThat(upstream.udpQueries.get()).isEqualTo(1);
        Message tcp = query("example.test.", Type.A, true);
        assertThat(tcp.getSection(Section.ANSWER)).extracting(Record::rdataToString).containsExactly("192.0.2.1");
        assertThat(upstream.tcpQueries.get()).isEqualTo(1);
        // the upstream's NXDOMAIN passes through
        assertThat(query("nosuch.test.", Type.A, false).getRcode()).isEqualTo(Rcode.NXDOMAIN);
        // reverse names of addresses that are no ClusterIP or endpoint fall through to the upstream
        assertThat(query(ReverseMap.fromAddress("192.0.2.1").toString(), Type.PTR, false).getSection(Section.ANSWER))
                .extracting(r -> ((PTRRecord) r).getTarget().toString()).containsExactly("example.test.");
    }

    @Test
    void anUpstreamThatNeverAnswersIsServfail() throws Exception {
        try (var silent = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             var server = DnsServer.start(client, config(List.of((InetSocketAddress) silent.getLocalSocketAddress()), Duration.ofMillis(300)))) {
            Message answer = query(server, "example.test.", Type.A, false);
            assertThat(answer.getRcode()).isEqualTo(Rcode.SERVFAIL);
        }
    }

    @Test
    void kubeDnsServiceTakesTheClusterDnsIpAndRoutesToTheServer() throws Exception {
        assertThatThrownBy(() -> KubeDnsService.publish(client, CLUSTER_DNS, InetAddress.getLoopbackAddress(), 53))
                .hasMessageContaining("loopback");
        int port = dns.address().getPort();
        KubeDnsService.publish(client, CLUSTER_DNS, NODE_IP, port);
        Service service = client.services().inNamespace("kube-system").withName("kube-dns").get();
        assertThat(service.getSpec().getClusterIP()).isEqualTo("10.43.0.10");
        assertThat(service.getSpec().getSelector()).isNullOrEmpty();
        assertThat(service.getSpec().getPorts()).extracting(p -> p.getName() + "/" + p.getProtocol() + "/" + p.getPort() + "->" + p.getTargetPort().getIntVal())
                .containsExactly("dns/UDP/53->" + port, "dns-tcp/TCP/53->" + port);
        EndpointSlice slice = client.discovery().v1().endpointSlices().inNamespace("kube-system").withName("kube-dns").get();
        assertThat(slice.getMetadata().getLabels()).containsEntry("kubernetes.io/service-name", "kube-dns");
        assertThat(slice.getEndpoints()).singleElement().satisfies(e -> assertThat(e.getAddresses()).containsExactly("192.0.2.10"));
        assertThat(slice.getPorts()).extracting(p -> p.getProtocol() + "/" + p.getPort()).containsExactly("UDP/" + port, "TCP/" + port);
        assertThat(client.endpoints().inNamespace("kube-system").withName("kube-dns").get().getSubsets()).singleElement()
                .satisfies(s -> assertThat(s.getAddresses()).singleElement().satisfies(a -> assertThat(a.getIp()).isEqualTo("192.0.2.10")));
        Message a = awaitAnswer("kube-dns.kube-system.svc.cluster.local.", Type.A, m -> m.getRcode() == Rcode.NOERROR);
        assertThat(a.getSection(Section.ANSWER)).extracting(Record::rdataToString).containsExactly("10.43.0.10");

        // published again (a restart): same objects; with another cluster DNS IP the service is replaced
        KubeDnsService.publish(client, CLUSTER_DNS, NODE_IP, port);
        KubeDnsService.publish(client, address("10.43.0.53"), NODE_IP, port);
        assertThat(client.services().inNamespace("kube-system").withName("kube-dns").get().getSpec().getClusterIP()).isEqualTo("10.43.0.53");
        awaitAnswer("kube-dns.kube-system.svc.cluster.local.", Type.A,
                m -> m.getSection(Section.ANSWER).stream().map(Record::rdataToString).toList().equals(List.of("10.43.0.53")));
    }

    // --- helpers ---

    private static EndpointSlice slice(String service, String name, String addressType,
                                       List<io.fabric8.kubernetes.api.model.discovery.v1.Endpoint> endpoints) {
        return new EndpointSliceBuilder().withNewMetadata().withName(name).withNamespace("default")
                .addToLabels("kubernetes.io/service-name", service).endMetadata()
                .withAddressType(addressType).withEndpoints(endpoints)
                .addNewPort().withName("pg").withPort(5432).withProtocol("TCP").endPort().build();
    }

    private static io.fabric8.kubernetes.api.model.discovery.v1.Endpoint endpoint(String ip, String hostname, boolean ready) {
        return new EndpointBuilder().withAddresses(ip).withHostname(hostname).withNewConditions().withReady(ready).endConditions().build();
    }

    private Message query(String name, int type, boolean tcp) throws IOException {
        return query(dns, name, type, tcp);
    }

    private static Message query(DnsServer server, String name, int type, boolean tcp) throws IOException {
        var resolver = new SimpleResolver(server.address());
        resolver.setTCP(tcp);
        resolver.setIgnoreTruncation(true);
        resolver.setEDNS(-1, 0, 0, List.of()); // plain DNS, 512-byte UDP answers, as busybox nslookup asks
        resolver.setTimeout(Duration.ofSeconds(10));
        return resolver.send(Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.IN)));
    }

    private Message awaitAnswer(String name, int type, Predicate<Message> done) throws Exception {
        return awaitAnswer(name, type, false, done);
    }

    /** Asks until the answer satisfies {@code done} (the informers deliver changes asynchronously). */
    private Message awaitAnswer(String name, int type, boolean tcp, Predicate<Message> done) throws Exception {
        Instant deadline = Instant.now().plus(TIMEOUT);
        while (true) {
            Message m = query(name, type, tcp);
            if (done.test(m)) {
                return m;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out waiting for the answer to " + name + " " + Type.string(type) + "; last:\n" + m);
            }
            Thread.sleep(50);
        }
    }

    private static InetAddress address(String literal) {
        try {
            return org.xbill.DNS.Address.getByAddress(literal);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
