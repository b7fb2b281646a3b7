package dev.skiff.controller.endpointslice;

import dev.skiff.client.controller.Controller;
import dev.skiff.client.workqueue.RateLimitingQueue;
import dev.skiff.controller.ControllerContext;
import dev.skiff.controller.ControllerDescriptor;
import dev.skiff.controller.endpoint.EndpointsController;
import dev.skiff.controller.util.endpoint.EndpointUtil;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.Lister;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * Upstream's EndpointSlice controller (pkg/controller/endpointslice): for every service with a
 * selector, EndpointSlices labelled {@code kubernetes.io/service-name} and managed-by this controller,
 * owned by the service, one address type per service IP family, endpoints grouped by their port sets
 * and at most {@value #MAX_ENDPOINTS_PER_SLICE} per slice (--max-endpoints-per-slice), each with
 * upstream's conditions: ready (serving and not terminating; always with publishNotReadyAddresses),
 * serving (the pod's Ready condition), terminating; nodeName, zone and targetRef. Slices are reused
 * in place when only their endpoints change, created with generateName {@code <service>-}, and the
 * surplus deleted; a deleted service's slices go with it through the garbage collector.
 */
public final class EndpointSliceController implements AutoCloseable {
    public static final String NAME = "endpointslice";
    public static final ControllerDescriptor DESCRIPTOR = new ControllerDescriptor(NAME, EndpointSliceController::start);
    public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
    public static final String MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";
    public static final String MANAGED_BY = "endpointslice-controller.k8s.io";
    static final int MAX_ENDPOINTS_PER_SLICE = 100;
    private static final String ZONE_LABEL = "topology.kubernetes.io/zone";
    private static final String BY_SERVICE = "byServiceName";

    private final KubernetesClient client;
    private final SharedIndexInformer<Service> services;
    private final SharedIndexInformer<Pod> pods;
    private final SharedIndexInformer<Node> nodes;
    private final SharedIndexInformer<EndpointSlice> slices;
    private final RateLimitingQueue<String> queue;
    private final Controller controller;

    private EndpointSliceController(ControllerContext context) {
        this.client = context.client();
        this.queue = RateLimitingQueue.withDefaultRateLimiter(context.clock());
        this.controller = new Controller(NAME, this::sync, queue, 15);
        this.services = context.informers().sharedIndexInformerFor(Service.class, 0);
        this.pods = context.informers().sharedIndexInformerFor(Pod.class, 0);
        this.nodes = context.informers().sharedIndexInformerFor(Node.class, 0);
        this.slices = context.informers().sharedIndexInformerFor(EndpointSlice.class, 0);
        slices.addIndexers(Map.of(BY_SERVICE, s -> managedByUs(s) ? List.of(s.getMetadata().getNamespace() + "/"
                + s.getMetadata().getLabels().get(SERVICE_NAME_LABEL)) : List.of()));
        services.addEventHandler(controller.enqueueingHandler());
        pods.addEventHandler(EndpointsController.servicesOfPods(services, queue));
        slices.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(EndpointSlice slice) {
            }

            @Override
            public void onUpdate(EndpointSlice oldSlice, EndpointSlice newSlice) {
                if (managedByUs(newSlice) && !Objects.equals(oldSlice.getMetadata().getResourceVersion(),
                        newSlice.getMetadata().getResourceVersion())) {
                    queue.add(newSlice.getMetadata().getNamespace() + "/" + newSlice.getMetadata().getLabels().get(SERVICE_NAME_LABEL));
                }
            }

            @Override
            public void onDelete(EndpointSlice slice, boolean finalStateUnknown) {
                if (managedByUs(slice)) {
                    queue.add(slice.getMetadata().getNamespace() + "/" + slice.getMetadata().getLabels().get(SERVICE_NAME_LABEL));
                }
            }
        });
    }

    static AutoCloseable start(ControllerContext context) {
        var esc = new EndpointSliceController(context);
        context.runWhenSynced(esc.controller, List.of(esc.services, esc.pods, esc.nodes, esc.slices));
        return esc;
    }

    private static boolean managedByUs(EndpointSlice slice) {
        Map<String, String> labels = slice.getMetadata().getLabels();
        return labels != null && MANAGED_BY.equals(labels.get(MANAGED_BY_LABEL)) && labels.containsKey(SERVICE_NAME_LABEL);
    }

    void sync(String key) {
        String namespace = key.substring(0, key.indexOf('/'));
        String name = key.substring(key.indexOf('/') + 1);
        Service service = new Lister<>(services.getIndexer()).namespace(namespace).get(name);
        if (service == null || !EndpointUtil.managed(service)) {
            return; // deleted: the garbage collector removes its slices; no selector: the user's (or the mirroring controller's)
        }
        List<EndpointSlice> existing = new ArrayList<>(slices.getIndexer().byIndex(BY_SERVICE, key));
        existing.removeIf(s -> s.getMetadata().getOwnerReferences() == null || s.getMetadata().getOwnerReferences().stream()
                .noneMatch(r -> service.getMetadata().getUid().equals(r.getUid())));
        Map<String, String> labels = labels(service);
        List<EndpointSlice> desired = desired(service, EndpointUtil.selectedPods(pods.getIndexer(), service));
        // match desired slices to existing ones of the same address type and ports; update in place, create the rest, delete the surplus
        List<EndpointSlice> unused = new ArrayList<>(existing);
        for (EndpointSlice want : desired) {
            EndpointSlice reuse = unused.stream().filter(s -> Objects.equals(s.getAddressType(), want.getAddressType())
                    && Objects.equals(s.getPorts(), want.getPorts())).findFirst().orElse(null);
            if (reuse == null) {
                create(service, want, labels);
                continue;
            }
            unused.remove(reuse);
            if (!Objects.equals(reuse.getEndpoints(), want.getEndpoints()) || !Objects.equals(reuse.getMetadata().getLabels(), labels)) {
                EndpointSlice updated = new EndpointSliceBuilder(reuse).editMetadata().withLabels(labels).endMetadata()
                        .withEndpoints(want.getEndpoints()).build();
                write(() -> client.resource(updated).update(), key);
            }
        }
        for (EndpointSlice surplus : unused) {
            write(() -> client.resource(surplus).delete(), key);
        }
    }

    private void create(Service service, EndpointSlice want, Map<String, String> labels) {
        EndpointSlice slice = new EndpointSliceBuilder(want).withNewMetadata().withGenerateName(service.getMetadata().getName() + "-")
                .withNamespace(service.getMetadata().getNamespace()).withLabels(labels)
                .addToOwnerReferences(new OwnerReferenceBuilder().withApiVersion("v1").withKind("Service")
                        .withName(service.getMetadata().getName()).withUid(service.getMetadata().getUid())
                        .withController(true).withBlockOwnerDeletion(true).build())
                .endMetadata().build();
        write(() -> client.resource(slice).create(), Cache.metaNamespaceKeyFunc(service));
    }

    private static void write(Runnable request, String key) {
        try {
            request.run();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409 || e.getCode() == 404) {
                throw new IllegalStateException("endpoint slices of " + key + " changed meanwhile: " + e.getMessage()); // retried with backoff
            }
            throw e;
        }
    }

    /** Upstream's slice labels: the service's own, then the service name, managed-by and headless marks. */
    static Map<String, String> labels(Service service) {
        Map<String, String> labels = new LinkedHashMap<>(service.getMetadata().getLabels() == null ? Map.of() : service.getMetadata().getLabels());
        labels.put(SERVICE_NAME_LABEL, service.getMetadata().getName());
        labels.put(MANAGED_BY_LABEL, MANAGED_BY);
        if (EndpointUtil.headless(service)) {
            labels.put("service.kubernetes.io/headless", "");
        } else {
            labels.remove("service.kubernetes.io/headless");
        }
        return labels;
    }

    /** The slices' content (address type, ports, endpoints) without metadata, in a stable order. */
    List<EndpointSlice> desired(Service service, List<Pod> selected) {
        List<String> families = service.getSpec().getIpFamilies() == null || service.getSpec().getIpFamilies().isEmpty()
                ? List.of("IPv4") : service.getSpec().getIpFamilies();
        boolean publishNotReady = Boolean.TRUE.equals(service.getSpec().getPublishNotReadyAddresses());
        List<EndpointSlice> out = new ArrayList<>();
        for (String family : families) {
            Map<List<EndpointPort>, List<Endpoint>> byPorts = new LinkedHashMap<>();
            for (Pod pod : selected) {
                if (!EndpointUtil.shouldPodBeInEndpoints(pod, true)) {
                    continue;
                }
                String ip = ipOf(pod, family);
                if (ip == null) {
                    continue;
                }
                List<EndpointPort> ports = new ArrayList<>();
                List<ServicePort> servicePorts = service.getSpec().getPorts() == null ? List.of() : service.getSpec().getPorts();
                for (ServicePort sp : servicePorts) {
                    OptionalInt port = EndpointUtil.findPort(pod, sp);
                    if (port.isPresent()) {
                        ports.add(new EndpointPortBuilder().withName(Objects.requireNonNullElse(sp.getName(), "")).withPort(port.getAsInt())
                                .withProtocol(sp.getProtocol() == null ? "TCP" : sp.getProtocol()).withAppProtocol(sp.getAppProtocol()).build());
                    }
                }
                if (!servicePorts.isEmpty() && ports.isEmpty()) {
                    continue;
                }
                ports.sort(Comparator.comparing(EndpointPort::getName).thenComparing(EndpointPort::getPort));
                byPorts.computeIfAbsent(ports, k -> new ArrayList<>()).add(endpoint(pod, service, ip, publishNotReady));
            }
            for (var entry : byPorts.entrySet()) {
                List<Endpoint> endpoints = entry.getValue().stream().sorted(Comparator.comparing((Endpoint e) -> e.getAddresses().getFirst())).toList();
                for (int i = 0; i < endpoints.size(); i += MAX_ENDPOINTS_PER_SLICE) {
                    out.add(new EndpointSliceBuilder().withAddressType(family).withPorts(entry.getKey())
                            .withEndpoints(endpoints.subList(i, Math.min(endpoints.size(), i + MAX_ENDPOINTS_PER_SLICE))).build());
                }
            }
        }
        if (out.isEmpty()) {
            // upstream keeps a placeholder slice for a service without endpoints
            out.add(new EndpointSliceBuilder().withAddressType(families.getFirst()).withEndpoints(new ArrayList<Endpoint>()).build());
        }
        return out;
    }

    private static String ipOf(Pod pod, String family) {
        List<String> ips = new ArrayList<>();
        if (pod.getStatus().getPodIPs() != null) {
            pod.getStatus().getPodIPs().stream().map(PodIP::getIp).filter(Objects::nonNull).forEach(ips::add);
        }
        if (ips.isEmpty()) {
            ips.add(pod.getStatus().getPodIP());
        }
        boolean v6 = family.equals("IPv6");
        return ips.stream().filter(ip -> ip.contains(":") == v6).findFirst().orElse(null);
    }

    private Endpoint endpoint(Pod pod, Service service, String ip, boolean publishNotReady) {
        boolean serving = EndpointUtil.isReady(pod);
        boolean terminating = EndpointUtil.isTerminating(pod);
        Node node = pod.getSpec().getNodeName() == null ? null : nodes.getIndexer().getByKey(pod.getSpec().getNodeName());
        String zone = node == null || node.getMetadata().getLabels() == null ? null : node.getMetadata().getLabels().get(ZONE_LABEL);
        return new EndpointBuilder().withAddresses(ip)
                .withNewConditions().withReady(publishNotReady || (serving && !terminating)).withServing(serving).withTerminating(terminating)
                .endConditions()
                .withHostname(EndpointUtil.hostname(pod, service)).withNodeName(pod.getSpec().getNodeName()).withZone(zone)
                .withTargetRef(new ObjectReferenceBuilder().withKind("Pod").withNamespace(pod.getMetadata().getNamespace())
                        .withName(pod.getMetadata().getName()).withUid(pod.getMetadata().getUid()).build())
                .build();
    }

    @Override
    public void close() throws Exception {
        controller.close();
    }
}
