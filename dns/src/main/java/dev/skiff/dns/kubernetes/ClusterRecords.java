package dev.skiff.dns.kubernetes;

import dev.skiff.client.controller.Controller;
import dev.skiff.client.workqueue.RateLimitingQueue;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.SharedInformerFactory;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.xbill.DNS.Name;

/**
 * The in-memory indexes the cluster zone answers from (CoreDNS kubernetes plugin's dnscontroller):
 * informers over Services, EndpointSlices and Namespaces feed a {@link Controller} whose sync of a
 * service key rebuilds that service's {@link ServiceEntry}; a query is then a map lookup by
 * {@code namespace/name}, or by IP for PTR. Pods are not watched: pod records are answered
 * from the name alone ({@code pods insecure}).
 */
public final class ClusterRecords implements AutoCloseable {
    private static final String BY_SERVICE = "service";
    /** The label every EndpointSlice carries naming its service (discovery.k8s.io/v1). */
    static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

    private final Name domain;
    private final SharedInformerFactory factory;
    private final SharedIndexInformer<Service> services;
    private final SharedIndexInformer<EndpointSlice> slices;
    private final SharedIndexInformer<Namespace> namespaces;
    private final Controller controller;
    private final Map<String, ServiceEntry> byKey = new ConcurrentHashMap<>();
    /** IP -> the service keys and names that IP reverse-resolves to (a ClusterIP or an endpoint's address). */
    private final Map<InetAddress, Map<String, List<Name>>> byIp = new ConcurrentHashMap<>();
    private volatile long modified = System.currentTimeMillis() / 1000;

    private ClusterRecords(KubernetesClient client, Name domain) {
        this.domain = domain;
        this.factory = client.informers();
        this.services = factory.sharedIndexInformerFor(Service.class, 0);
        this.slices = factory.sharedIndexInformerFor(EndpointSlice.class, 0);
        this.namespaces = factory.sharedIndexInformerFor(Namespace.class, 0);
        slices.addIndexers(Map.of(BY_SERVICE, s -> {
            String service = s.getMetadata().getLabels() == null ? null : s.getMetadata().getLabels().get(SERVICE_NAME_LABEL);
            return service == null ? List.of() : List.of(s.getMetadata().getNamespace() + "/" + service);
        }));
        this.controller = new Controller("dns", this::sync, RateLimitingQueue.withDefaultRateLimiter(Clock.systemUTC()), 5);
        services.addEventHandler(controller.enqueueingHandler());
        slices.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(EndpointSlice slice) {
                enqueueService(slice);
            }

            @Override
            public void onUpdate(EndpointSlice oldSlice, EndpointSlice newSlice) {
                enqueueService(oldSlice);
                enqueueService(newSlice);
            }

            @Override
            public void onDelete(EndpointSlice slice, boolean deletedFinalStateUnknown) {
                enqueueService(slice);
            }
        });
    }

    /**
     * Starts the informers and waits (up to {@code timeout}) for their first list, as CoreDNS waits for the API
     * before serving; the records then follow every change.
     */
    public static ClusterRecords start(KubernetesClient client, Name domain, Duration timeout) throws InterruptedException {
        var records = new ClusterRecords(client, domain);
        records.factory.startAllRegisteredInformers();
        if (!records.controller.run(1, List.of(records.services, records.slices, records.namespaces), timeout)) {
            records.close();
            throw new IllegalStateException("cluster DNS: the API server's services and endpointslices were not listed within " + timeout);
        }
        return records;
    }

    private void enqueueService(EndpointSlice slice) {
        var labels = slice.getMetadata().getLabels();
        String service = labels == null ? null : labels.get(SERVICE_NAME_LABEL);
        if (service != null) {
            controller.enqueue(new io.fabric8.kubernetes.api.model.ServiceBuilder().withNewMetadata()
                    .withNamespace(slice.getMetadata().getNamespace()).withName(service).endMetadata().build());
        }
    }

    private void sync(String key) throws java.io.IOException {
        Service service = services.getIndexer().getByKey(key);
        ServiceEntry entry = service == null ? null : entry(service, slices.getIndexer().byIndex(BY_SERVICE, key));
        synchronized (this) {
            ServiceEntry old = entry == null ? byKey.remove(key) : byKey.put(key, entry);
            if (old != null) {
                reverseNames(old).keySet().forEach(ip -> byIp.computeIfPresent(ip, (k, names) -> {
                    var rest = new LinkedHashMap<>(names);
                    rest.remove(key);
                    return rest.isEmpty() ? null : Map.copyOf(rest);
                }));
            }
            if (entry != null) {
                reverseNames(entry).forEach((ip, names) -> byIp.merge(ip, Map.of(key, names), (a, b) -> {
                    var both = new LinkedHashMap<>(a);
                    both.putAll(b);
                    return Map.copyOf(both);
                }));
            }
            modified = System.currentTimeMillis() / 1000;
        }
    }

    /** What PTR queries for this service's addresses answer: its name for a ClusterIP, the endpoint's name for an endpoint. */
    private static Map<InetAddress, List<Name>> reverseNames(ServiceEntry entry) {
        Map<InetAddress, List<Name>> names = new LinkedHashMap<>();
        for (InetAddress ip : entry.clusterIps()) {
            names.computeIfAbsent(ip, k -> new ArrayList<>()).add(entry.name());
        }
        for (ServiceEntry.Endpoint endpoint : entry.endpoints()) {
            List<Name> list = names.computeIfAbsent(endpoint.ip(), k -> new ArrayList<>());
            if (!list.contains(endpoint.name())) {
                list.add(endpoint.name());
            }
        }
        names.replaceAll((ip, list) -> List.copyOf(list));
        return names;
    }

    private ServiceEntry entry(Service service, List<EndpointSlice> serviceSlices) throws java.io.IOException {
        var spec = service.getSpec();
        String namespace = service.getMetadata().getNamespace();
        String name = service.getMetadata().getName();
        Name serviceName = Name.concatenate(Name.fromString(name + "." + namespace + ".svc", null), domain);
        boolean externalName = "ExternalName".equals(spec.getType());
        List<String> clusterIps = spec.getClusterIPs() != null && !spec.getClusterIPs().isEmpty() ? spec.getClusterIPs()
                : spec.getClusterIP() == null ? List.of() : List.of(spec.getClusterIP());
        boolean headless = !externalName && clusterIps.stream().allMatch(ip -> ip.isEmpty() || "None".equals(ip));
        List<InetAddress> ips = new ArrayList<>();
        if (!externalName && !headless) {
            for (String ip : clusterIps) {
                address(ip).ifPresent(ips::add);
            }
        }
        List<ServiceEntry.Port> ports = new ArrayList<>();
        for (ServicePort p : spec.getPorts() == null ? List.<ServicePort>of() : spec.getPorts()) {
            ports.add(new ServiceEntry.Port(p.getName() == null ? "" : p.getName(), p.getProtocol() == null ? "TCP" : p.getProtocol(), p.getPort()));
        }
        boolean publishNotReady = Boolean.TRUE.equals(spec.getPublishNotReadyAddresses());
        Map<InetAddress, ServiceEntry.Endpoint> endpoints = new LinkedHashMap<>();
        for (EndpointSlice slice : serviceSlices) {
            if ("FQDN".equals(slice.getAddressType())) {
                continue;
            }
            List<ServiceEntry.Port> slicePorts = new ArrayList<>();
            for (EndpointPort p : slice.getPorts() == null ? List.<EndpointPort>of() : slice.getPorts()) {
                if (p.getPort() != null) {
                    slicePorts.add(new ServiceEntry.Port(p.getName() == null ? "" : p.getName(), p.getProtocol() == null ? "TCP" : p.getProtocol(), p.getPort()));
                }
            }
            for (Endpoint e : slice.getEndpoints() == null ? List.<Endpoint>of() : slice.getEndpoints()) {
                boolean ready = e.getConditions() == null || e.getConditions().getReady() == null || e.getConditions().getReady();
                if (!ready && !publishNotReady) {
                    continue;
                }
                for (String address : e.getAddresses() == null ? List.<String>of() : e.getAddresses()) {
                    var ip = address(address);
                    if (ip.isEmpty() || endpoints.containsKey(ip.get())) {
                        continue;
                    }
                    String label = e.getHostname() != null && !e.getHostname().isEmpty() ? e.getHostname().toLowerCase(java.util.Locale.ROOT)
                            : address.replace('.', '-').replace(':', '-');
                    endpoints.put(ip.get(), new ServiceEntry.Endpoint(ip.get(), label, Name.concatenate(Name.fromString(label, null), serviceName),
                            List.copyOf(slicePorts)));
                }
            }
        }
        Name target = null;
        // an IP address as externalName is no CNAME target: no records, as CoreDNS
        if (externalName && spec.getExternalName() != null && !spec.getExternalName().isEmpty() && address(spec.getExternalName()).isEmpty()) {
            target = Name.fromString(spec.getExternalName(), Name.root);
        }
        return new ServiceEntry(namespace, name, serviceName, headless, List.copyOf(ips), target, List.copyOf(ports),
                externalName ? List.of() : List.copyOf(endpoints.values()));
    }

    /** An IP literal (never a name lookup), or empty for anything else. */
    static java.util.Optional<InetAddress> address(String literal) {
        if (literal == null || literal.isEmpty()) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(org.xbill.DNS.Address.getByAddress(literal));
        } catch (java.net.UnknownHostException e) {
            return java.util.Optional.empty();
        }
    }

    /** The service {@code namespace/name}, or null. */
    ServiceEntry service(String namespace, String name) {
        return byKey.get(namespace + "/" + name);
    }

    /** The names an IP reverse-resolves to (empty when it is no ClusterIP or endpoint address). */
    List<Name> reverse(InetAddress ip) {
        Map<String, List<Name>> names = byIp.get(ip);
        if (names == null) {
            return List.of();
        }
        List<Name> all = new ArrayList<>();
        names.values().forEach(all::addAll);
        return all;
    }

    boolean namespaceExists(String namespace) {
        return namespaces.getIndexer().getByKey(namespace) != null;
    }

    /** Unix seconds of the last change, the zone's SOA serial (as CoreDNS). */
    long modified() {
        return modified;
    }

    @Override
    public void close() throws InterruptedException {
        factory.stopAllRegisteredInformers();
        controller.close();
    }
}
