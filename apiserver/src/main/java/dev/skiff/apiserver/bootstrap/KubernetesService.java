package dev.skiff.apiserver.bootstrap;

import dev.skiff.api.errors.ApiException;
import dev.skiff.registry.generic.GenericRegistry;
import io.fabric8.kubernetes.api.model.EndpointAddressBuilder;
import io.fabric8.kubernetes.api.model.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.EndpointSubsetBuilder;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import dev.skiff.registry.core.pod.IpAddresses;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code default/kubernetes} service and its endpoints, as kube-apiserver's bootstrap controller
 * keeps them: ClusterIP the first address of the service range, port "https" 443 to the server's
 * port, labels component=apiserver and provider=kubernetes; the endpoints name the advertised
 * address (endpoints may not be loopback, so a loopback or wildcard bind advertises the host's first
 * non-loopback IPv4 address, as k3s advertises the node IP).
 */
public final class KubernetesService {
    private static final Logger log = LoggerFactory.getLogger(KubernetesService.class);
    public static final String NAME = "kubernetes";
    static final Map<String, String> LABELS = Map.of("component", "apiserver", "provider", "kubernetes");

    private KubernetesService() {
    }

    /** Creates what is missing; the endpoints are rewritten when they name another address or port. */
    public static void ensure(GenericRegistry<Service> services, GenericRegistry<Endpoints> endpoints, InetAddress serviceIp,
                              Optional<InetAddress> advertise, int port) {
        var ports = java.util.List.of(new ServicePortBuilder().withName("https").withPort(443).withProtocol("TCP")
                .withTargetPort(new IntOrString(port)).build());
        try {
            Service existing = services.get("default", NAME);
            if (!ports.equals(existing.getSpec().getPorts())) { // the server moved to another port since it created the service
                services.update("default", NAME, new ServiceBuilder(existing).editSpec().withPorts(ports).endSpec().build(), false);
            }
        } catch (ApiException e) {
            if (e.code() != 404) {
                throw e;
            }
            ensureCreated(() -> services.create("default", new ServiceBuilder().withNewMetadata().withName(NAME).withNamespace("default")
                    .withLabels(LABELS).endMetadata().withNewSpec().withType("ClusterIP").withClusterIP(serviceIp.getHostAddress())
                    .withPorts(ports).endSpec().build(), false));
        }
        if (advertise.isEmpty()) {
            log.warn("no advertise address for service=default/kubernetes; its endpoints are not written");
            return;
        }
        Endpoints wanted = new EndpointsBuilder().withNewMetadata().withName(NAME).withNamespace("default")
                .withLabels(Map.of("endpointslice.kubernetes.io/skip-mirror", "true")).endMetadata()
                .withSubsets(new EndpointSubsetBuilder().withAddresses(new EndpointAddressBuilder().withIp(advertise.get().getHostAddress()).build())
                        .withPorts(new EndpointPortBuilder().withName("https").withPort(port).withProtocol("TCP").build()).build())
                .build();
        try {
            Endpoints existing = endpoints.get("default", NAME);
            if (!wanted.getSubsets().equals(existing.getSubsets())) {
                endpoints.update("default", NAME, new EndpointsBuilder(existing).withSubsets(wanted.getSubsets()).build(), false);
            }
        } catch (ApiException e) {
            if (e.code() != 404) {
                throw e;
            }
            ensureCreated(() -> endpoints.create("default", wanted, false));
        }
    }

    private static void ensureCreated(Supplier<?> create) {
        try {
            create.get();
        } catch (ApiException e) {
            if (!"AlreadyExists".equals(e.reason())) {
                throw e;
            }
        }
    }

    /** The bind address when it is a routable IP, else the host's first non-loopback IPv4 address. */
    public static Optional<InetAddress> advertiseAddress(String bindAddress) {
        try {
            if (IpAddresses.isValid(bindAddress)) {
                InetAddress bound = InetAddress.getByName(bindAddress); // a literal: parsed, never looked up
                if (!bound.isLoopbackAddress() && !bound.isAnyLocalAddress() && !bound.isLinkLocalAddress()) {
                    return Optional.of(bound);
                }
            }
            return NetworkInterface.networkInterfaces().filter(KubernetesService::isUp)
                    .flatMap(NetworkInterface::inetAddresses)
                    .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress())
                    .findFirst();
        } catch (IOException e) {
            log.warn("cannot pick an advertise address bind={}: {}", bindAddress, e.getMessage());
            return Optional.empty();
        }
    }

    private static boolean isUp(NetworkInterface nic) {
        try {
            return nic.isUp() && !nic.isLoopback();
        } catch (SocketException e) {
            return false;
        }
    }
}
