package dev.skiff.proxy;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Builders for the Services and EndpointSlices proxy tests program. */
public final class Fixtures {
    public static final String SERVICE_IP = "10.43.99.10";
    public static final int SERVICE_PORT = 80;
    public static final int NODE_PORT = 30080;

    private Fixtures() {
    }

    /** Service default/web: port "http" 80 -> 8080 on {@link #SERVICE_IP}, NodePort {@link #NODE_PORT}. */
    public static ServiceBuilder web() {
        return new ServiceBuilder().withNewMetadata().withNamespace("default").withName("web").endMetadata()
                .withNewSpec().withType("NodePort").withClusterIP(SERVICE_IP).withClusterIPs(SERVICE_IP)
                .addNewPort().withName("http").withProtocol("TCP").withPort(SERVICE_PORT).withNewTargetPort(TestNetwork.BACKEND_PORT)
                .withNodePort(NODE_PORT).endPort()
                .withSessionAffinity("None").withExternalTrafficPolicy("Cluster").withInternalTrafficPolicy("Cluster").endSpec();
    }

    /** An endpoint of a slice: address, node, and whether it is ready. */
    public record Backend(String ip, String node, boolean ready) {
        public static Backend ready(String ip, String node) {
            return new Backend(ip, node, true);
        }
    }

    /** The EndpointSlice {@code <service>-abc} of {@code service} with port "http" {@link TestNetwork#BACKEND_PORT}. */
    public static EndpointSlice slice(Service service, Backend... backends) {
        var b = new EndpointSliceBuilder().withNewMetadata().withNamespace(service.getMetadata().getNamespace())
                .withName(service.getMetadata().getName() + "-abc")
                .withLabels(Map.of(ServicePorts.SERVICE_NAME_LABEL, service.getMetadata().getName())).endMetadata()
                .withAddressType("IPv4")
                .addNewPort().withName("http").withProtocol("TCP").withPort(TestNetwork.BACKEND_PORT).endPort();
        for (Backend backend : Arrays.asList(backends)) {
            b.addToEndpoints(new EndpointBuilder().withAddresses(backend.ip()).withNodeName(backend.node())
                    .withNewConditions().withReady(backend.ready()).withServing(backend.ready()).withTerminating(false).endConditions().build());
        }
        return b.build();
    }

    /** The proxier's input for these services, each with its slices. */
    public static Map<String, List<ServicePort>> state(String nodeName, Map<Service, EndpointSlice> services) {
        var state = new java.util.HashMap<String, List<ServicePort>>();
        services.forEach((service, slice) -> state.put(service.getMetadata().getNamespace() + "/" + service.getMetadata().getName(),
                ServicePorts.of(service, slice == null ? List.of() : List.of(slice), nodeName)));
        return state;
    }
}
