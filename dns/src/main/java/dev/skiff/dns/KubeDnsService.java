package dev.skiff.dns;

import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the cluster DNS reachable at its service IP the way kube-dns is: the Service {@code kube-system/kube-dns}
 * with clusterIP = --cluster-dns (ports dns 53/UDP and dns-tcp 53/TCP, no selector), and, since no pod backs it,
 * an EndpointSlice and an Endpoints naming the server's own listen address, so the service proxy sends
 * {@code <cluster-dns>:53} there. A kube-dns Service with another clusterIP (the flag changed) is replaced, since a
 * clusterIP cannot be updated.
 */
public final class KubeDnsService {
    private static final Logger log = LoggerFactory.getLogger(KubeDnsService.class);
    public static final String NAMESPACE = "kube-system";
    public static final String NAME = "kube-dns";
    /** The managed-by value of our EndpointSlice, so the EndpointSlice controller leaves it alone. */
    static final String MANAGED_BY = "skiff-dns";
    private static final Map<String, String> LABELS = Map.of("k8s-app", "kube-dns", "kubernetes.io/cluster-service", "true",
            "kubernetes.io/name", "skiff-dns");

    private KubeDnsService() {
    }

    /** Creates or updates the kube-dns Service, EndpointSlice and Endpoints for a DNS server at {@code endpoint}:{@code port}. */
    public static void publish(KubernetesClient client, InetAddress clusterIp, InetAddress endpoint, int port) {
        if (endpoint.isLoopbackAddress() || endpoint.isAnyLocalAddress()) {
            throw new IllegalArgumentException("the cluster DNS endpoint " + endpoint.getHostAddress()
                    + " is a loopback or wildcard address, which pods cannot reach through the service");
        }
        String ip = clusterIp.getHostAddress();
        Service existing = client.services().inNamespace(NAMESPACE).withName(NAME).get();
        if (existing != null && !ip.equals(existing.getSpec().getClusterIP())) {
            log.info("replacing service {}/{} clusterIP={} with clusterIP={}", NAMESPACE, NAME, existing.getSpec().getClusterIP(), ip);
            client.resource(existing).withGracePeriod(0).delete();
            existing = null;
        }
        Service service = new ServiceBuilder().withNewMetadata().withNamespace(NAMESPACE).withName(NAME).withLabels(LABELS).endMetadata()
                .withNewSpec().withType("ClusterIP").withClusterIP(ip).withClusterIPs(ip)
                .addNewPort().withName("dns").withProtocol("UDP").withPort(53).withNewTargetPort(port).endPort()
                .addNewPort().withName("dns-tcp").withProtocol("TCP").withPort(53).withNewTargetPort(port).endPort()
                .endSpec().build();
        if (existing == null) {
            client.resource(service).create();
        } else {
            service.getSpec().setIpFamilies(existing.getSpec().getIpFamilies());
            service.getSpec().setIpFamilyPolicy(existing.getSpec().getIpFamilyPolicy());
            service.getSpec().setSessionAffinity(existing.getSpec().getSessionAffinity());
            service.getSpec().setInternalTrafficPolicy(existing.getSpec().getInternalTrafficPolicy());
            createOrUpdate(client, service);
        }
        String address = endpoint.getHostAddress();
        createOrUpdate(client, new EndpointSliceBuilder().withNewMetadata().withNamespace(NAMESPACE).withName(NAME).withLabels(LABELS)
                .addToLabels("kubernetes.io/service-name", NAME).addToLabels("endpointslice.kubernetes.io/managed-by", MANAGED_BY).endMetadata()
                .withAddressType(endpoint instanceof Inet6Address ? "IPv6" : "IPv4")
                .addNewEndpoint().withAddresses(address).withNewConditions().withReady(true).withServing(true).withTerminating(false)
                .endConditions().endEndpoint()
                .addNewPort().withName("dns").withProtocol("UDP").withPort(port).endPort()
                .addNewPort().withName("dns-tcp").withProtocol("TCP").withPort(port).endPort()
                .build());
        createOrUpdate(client, new EndpointsBuilder().withNewMetadata().withNamespace(NAMESPACE).withName(NAME).withLabels(LABELS).endMetadata()
                .addNewSubset().addNewAddress().withIp(address).endAddress()
                .addNewPort().withName("dns").withProtocol("UDP").withPort(port).endPort()
                .addNewPort().withName("dns-tcp").withProtocol("TCP").withPort(port).endPort().endSubset()
                .build());
        log.info("service {}/{} clusterIP={} routes to the cluster DNS at {}:{}", NAMESPACE, NAME, ip, address, port);
    }

    private static <T extends HasMetadata> void createOrUpdate(KubernetesClient client, T object) {
        HasMetadata current = client.resource(object).get();
        if (current == null) {
            client.resource(object).create();
        } else {
            object.getMetadata().setResourceVersion(current.getMetadata().getResourceVersion());
            client.resource(object).update();
        }
    }
}
