package dev.skiff.controller.endpoint;

import dev.skiff.client.controller.Controller;
import dev.skiff.client.workqueue.RateLimitingQueue;
import dev.skiff.controller.ControllerContext;
import dev.skiff.controller.ControllerDescriptor;
import dev.skiff.controller.util.endpoint.EndpointUtil;
import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointAddressBuilder;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.EndpointSubsetBuilder;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Lister;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * Upstream's endpoints controller (pkg/controller/endpoint): for every service with a selector, an
 * Endpoints object of the same name listing the selected pods' IPs - ready ones in {@code addresses},
 * the others in {@code notReadyAddresses} (all ready with publishNotReadyAddresses) - for each service
 * port the pod resolves, addresses grouped into subsets by their port sets, at most 1000 addresses
 * (then the over-capacity annotation); deleted with its service.
 */
public final class EndpointsController implements AutoCloseable {
    public static final String NAME = "endpoint";
    public static final ControllerDescriptor DESCRIPTOR = new ControllerDescriptor(NAME, EndpointsController::start);
    static final int MAX_CAPACITY = 1000;
    static final String OVER_CAPACITY = "endpoints.kubernetes.io/over-capacity";
    static final String SKIP_MIRROR = "endpointslice.kubernetes.io/skip-mirror";
    static final String HEADLESS = "service.kubernetes.io/headless";

    private final KubernetesClient client;
    private final SharedIndexInformer<Service> services;
    private final SharedIndexInformer<Pod> pods;
    private final SharedIndexInformer<Endpoints> endpoints;
    private final Controller controller;

    private EndpointsController(ControllerContext context) {
        this.client = context.client();
        Clock clock = context.clock();
        RateLimitingQueue<String> queue = RateLimitingQueue.withDefaultRateLimiter(clock);
        this.controller = new Controller(NAME, this::sync, queue, 15);
        this.services = context.informers().sharedIndexInformerFor(Service.class, 0);
        this.pods = context.informers().sharedIndexInformerFor(Pod.class, 0);
        this.endpoints = context.informers().sharedIndexInformerFor(Endpoints.class, 0);
        services.addEventHandler(controller.enqueueingHandler());
        pods.addEventHandler(servicesOfPods(services, queue));
    }

    /** A pod handler queuing every service that selects the pod before or after the change (upstream's pod handlers). */
    public static ResourceEventHandler<Pod> servicesOfPods(SharedIndexInformer<Service> services, RateLimitingQueue<String> queue) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                EndpointUtil.serviceKeysSelecting(services.getIndexer(), pod).forEach(queue::add);
            }

            @Override
            public void onUpdate(Pod oldPod, Pod newPod) {
                if (Objects.equals(oldPod.getMetadata().getResourceVersion(), newPod.getMetadata().getResourceVersion())) {
                    return;
                }
                EndpointUtil.serviceKeysSelecting(services.getIndexer(), oldPod, newPod).forEach(queue::add);
            }

            @Override
            public void onDelete(Pod pod, boolean finalStateUnknown) {
                EndpointUtil.serviceKeysSelecting(services.getIndexer(), pod).forEach(queue::add);
            }
        };
    }

    static AutoCloseable start(ControllerContext context) {
        var ec = new EndpointsController(context);
        context.runWhenSynced(ec.controller, List.of(ec.services, ec.pods, ec.endpoints));
        return ec;
    }

    void sync(String key) {
        String namespace = key.substring(0, key.indexOf('/'));
        String name = key.substring(key.indexOf('/') + 1);
        Service service = new Lister<>(services.getIndexer()).namespace(namespace).get(name);
        if (service == null) {
            deleteEndpoints(namespace, name);
            return;
        }
        if (!EndpointUtil.managed(service)) {
            return; // a service without selector: its endpoints are the user's
        }
        Endpoints desired = desired(service, EndpointUtil.selectedPods(pods.getIndexer(), service));
        Endpoints current = new Lister<>(endpoints.getIndexer()).namespace(namespace).get(name);
        if (current != null && Objects.equals(current.getSubsets(), desired.getSubsets())
                && Objects.equals(current.getMetadata().getLabels(), desired.getMetadata().getLabels())
                && Objects.equals(annotation(current, OVER_CAPACITY), annotation(desired, OVER_CAPACITY))) {
            return;
        }
        try {
            if (current == null) {
                client.resource(desired).create();
            } else {
                Endpoints updated = new EndpointsBuilder(current).editMetadata().withLabels(desired.getMetadata().getLabels())
                        .withAnnotations(mergedAnnotations(current, desired)).endMetadata()
                        .withSubsets(desired.getSubsets()).build();
                client.resource(updated).update();
            }
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409 || e.getCode() == 404) {
                throw new IllegalStateException("endpoints " + key + " changed meanwhile: " + e.getMessage()); // retried with backoff
            }
            throw e;
        }
    }

    private static String annotation(Endpoints e, String key) {
        return e.getMetadata().getAnnotations() == null ? null : e.getMetadata().getAnnotations().get(key);
    }

    private static Map<String, String> mergedAnnotations(Endpoints current, Endpoints desired) {
        Map<String, String> out = new LinkedHashMap<>(current.getMetadata().getAnnotations() == null ? Map.of()
                : current.getMetadata().getAnnotations());
        out.remove(OVER_CAPACITY);
        if (desired.getMetadata().getAnnotations() != null) {
            out.putAll(desired.getMetadata().getAnnotations());
        }
        return out;
    }

    private void deleteEndpoints(String namespace, String name) {
        try {
            client.endpoints().inNamespace(namespace).withName(name).delete();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }

    /** The Endpoints the service should have over {@code selected}. */
    static Endpoints desired(Service service, List<Pod> selected) {
        boolean publishNotReady = Boolean.TRUE.equals(service.getSpec().getPublishNotReadyAddresses());
        // addresses grouped by the ports they serve (upstream's RepackSubsets)
        Map<List<EndpointPort>, List<EndpointAddress>> ready = new LinkedHashMap<>();
        Map<List<EndpointPort>, List<EndpointAddress>> notReady = new LinkedHashMap<>();
        for (Pod pod : selected) {
            if (!EndpointUtil.shouldPodBeInEndpoints(pod, publishNotReady)) {
                continue;
            }
            EndpointAddress address = address(pod, service);
            List<EndpointPort> ports = new ArrayList<>();
            List<ServicePort> servicePorts = service.getSpec().getPorts() == null ? List.of() : service.getSpec().getPorts();
            for (ServicePort sp : servicePorts) {
                OptionalInt port = EndpointUtil.findPort(pod, sp);
                if (port.isPresent()) {
                    ports.add(new EndpointPortBuilder().withName(sp.getName()).withPort(port.getAsInt())
                            .withProtocol(sp.getProtocol() == null ? "TCP" : sp.getProtocol()).withAppProtocol(sp.getAppProtocol()).build());
                }
            }
            if (!servicePorts.isEmpty() && ports.isEmpty()) {
                continue; // no port of this pod serves the service
            }
            ports.sort(Comparator.comparing((EndpointPort p) -> Objects.requireNonNullElse(p.getName(), "")).thenComparing(EndpointPort::getPort));
            boolean isReady = publishNotReady || EndpointUtil.isReady(pod);
            (isReady ? ready : notReady).computeIfAbsent(ports, k -> new ArrayList<>()).add(address);
        }
        var keys = new java.util.LinkedHashSet<List<EndpointPort>>();
        keys.addAll(ready.keySet());
        keys.addAll(notReady.keySet());
        List<EndpointSubset> subsets = new ArrayList<>();
        int total = 0;
        boolean truncated = false;
        for (List<EndpointPort> ports : keys.stream().sorted(Comparator.comparing(Object::toString)).toList()) {
            List<EndpointAddress> r = sorted(ready.getOrDefault(ports, List.of()));
            List<EndpointAddress> n = sorted(notReady.getOrDefault(ports, List.of()));
            // over capacity: keep ready addresses first, as upstream's truncation does
            int roomReady = Math.max(0, Math.min(r.size(), MAX_CAPACITY - total));
            total += roomReady;
            int roomNotReady = Math.max(0, Math.min(n.size(), MAX_CAPACITY - total));
            total += roomNotReady;
            truncated |= roomReady < r.size() || roomNotReady < n.size();
            r = r.subList(0, roomReady);
            n = n.subList(0, roomNotReady);
            if (r.isEmpty() && n.isEmpty()) {
                continue;
            }
            subsets.add(new EndpointSubsetBuilder().withAddresses(r.isEmpty() ? null : r).withNotReadyAddresses(n.isEmpty() ? null : n)
                    .withPorts(ports.isEmpty() ? null : ports).build());
        }
        Map<String, String> labels = new LinkedHashMap<>(service.getMetadata().getLabels() == null ? Map.of() : service.getMetadata().getLabels());
        labels.put(SKIP_MIRROR, "true");
        if (EndpointUtil.headless(service)) {
            labels.put(HEADLESS, "");
        }
        var builder = new EndpointsBuilder().withNewMetadata().withName(service.getMetadata().getName())
                .withNamespace(service.getMetadata().getNamespace()).withLabels(labels).endMetadata()
                .withSubsets(subsets.isEmpty() ? null : subsets);
        if (truncated) {
            builder.editMetadata().addToAnnotations(OVER_CAPACITY, "truncated").endMetadata();
        }
        Endpoints e = builder.build();
        if (e.getSubsets() == null) {
            e.setSubsets(new ArrayList<>());
        }
        return e;
    }

    private static EndpointAddress address(Pod pod, Service service) {
        return new EndpointAddressBuilder().withIp(pod.getStatus().getPodIP()).withNodeName(pod.getSpec().getNodeName())
                .withHostname(EndpointUtil.hostname(pod, service))
                .withTargetRef(new ObjectReferenceBuilder().withKind("Pod").withNamespace(pod.getMetadata().getNamespace())
                        .withName(pod.getMetadata().getName()).withUid(pod.getMetadata().getUid()).build())
                .build();
    }

    private static List<EndpointAddress> sorted(List<EndpointAddress> addresses) {
        return addresses.stream().sorted(Comparator.comparing(EndpointAddress::getIp)
                .thenComparing(a -> a.getTargetRef() == null ? "" : a.getTargetRef().getUid())).toList();
    }

    @Override
    public void close() throws Exception {
        controller.close();
    }
}
