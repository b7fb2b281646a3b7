package dev.skiff.apiserver.aggregator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.api.errors.ApiException;
import dev.skiff.api.resource.GroupVersion;
import dev.skiff.api.tls.AnyServerTrust;
import dev.skiff.apiserver.discovery.Discovery;
import dev.skiff.apiserver.openapi.AggregatedSpec;
import dev.skiff.apiserver.pki.CertifiedKey;
import dev.skiff.registry.generic.GenericRegistry;
import dev.skiff.registry.storage.ListOptions;
import dev.skiff.registry.watch.WatchOptions;
import dev.skiff.registry.watch.WatchStream;
import io.fabric8.kubernetes.api.model.APIService;
import io.fabric8.kubernetes.api.model.APIServiceBuilder;
import io.fabric8.kubernetes.api.model.APIServiceCondition;
import io.fabric8.kubernetes.api.model.APIServiceStatus;
import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * kube-aggregator inside the API server: the APIServices that name a service are proxied to it
 * ({@link ProxyHandler}), their group-versions join discovery, and their Available condition is kept
 * as upstream's AvailableConditionController does - the service, its port, a ready endpoint, then
 * a discovery GET of {@code /apis/<group>/<version>} through the proxy's own TLS, whose resource
 * list is what aggregated discovery publishes for the group-version. Checks run on every APIService,
 * Service or Endpoints change and every 30 s. After each check that passes, the backend's OpenAPI
 * documents are downloaded again ({@link OpenApiDownloader}, revalidated by ETag) for the server's
 * {@code /openapi/v2} and {@code /openapi/v3} ({@link #openApiSpecs}).
 *
 * <p>skiff dials an endpoint of the service (upstream's {@code --enable-aggregator-routing=true})
 * rather than its cluster IP, so it needs no service proxy on the server's host.
 */
public final class Aggregator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Aggregator.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    static final Duration RESYNC = Duration.ofSeconds(30);
    static final Duration CHECK_TIMEOUT = Duration.ofSeconds(5);

    /** A group-version served by an extension API server, with what the last check found. */
    record Remote(APIService service, HttpClient client, boolean available, JsonNode resources) {
        GroupVersion groupVersion() {
            return new GroupVersion(Objects.requireNonNullElse(service.getSpec().getGroup(), ""), service.getSpec().getVersion());
        }
    }

    private final GenericRegistry<APIService> apiServices;
    private final GenericRegistry<Service> services;
    private final GenericRegistry<Endpoints> endpoints;
    private final CertifiedKey proxyClient;
    private final Clock clock;
    private final Map<GroupVersion, Remote> remotes = new ConcurrentHashMap<>();
    /** Clients by APIService name and generation: one TLS client per APIService spec (status writes keep it). */
    private final Map<String, HttpClient> clients = new ConcurrentHashMap<>();
    /** The last OpenAPI downloads by APIService name and generation (only the loop touches it). */
    private final Map<String, OpenApiDownloader.Download> downloads = new java.util.HashMap<>();
    private volatile List<AggregatedSpec> openApiSpecs = List.of();
    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("aggregator").factory());
    private final AtomicBoolean queued = new AtomicBoolean();
    private final List<WatchStream> watches = new ArrayList<>();

    public Aggregator(GenericRegistry<APIService> apiServices, GenericRegistry<Service> services, GenericRegistry<Endpoints> endpoints,
                      CertifiedKey proxyClient, Clock clock) {
        this.apiServices = apiServices;
        this.services = services;
        this.endpoints = endpoints;
        this.proxyClient = proxyClient;
        this.clock = clock;
    }

    /** Checks now and on every change, and every {@link #RESYNC}. */
    public Aggregator start() {
        for (GenericRegistry<?> registry : List.of(apiServices, services, endpoints)) {
            watches.add(registry.watch(null, WatchOptions.from(""), event -> requestSync()));
        }
        loop.scheduleWithFixedDelay(this::requestSync, 0, RESYNC.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    private void requestSync() {
        if (queued.compareAndSet(false, true)) {
            loop.execute(() -> {
                queued.set(false);
                try {
                    sync();
                } catch (RuntimeException e) {
                    log.warn("aggregator sync failed", e);
                }
            });
        }
    }

    /** The remote group-version a request path names, or null when the path is served here. */
    Remote remote(GroupVersion gv) {
        return remotes.get(gv);
    }

    /** What discovery publishes of the extension API servers. */
    public List<Discovery.Aggregated> discovery() {
        return remotes.values().stream()
                .sorted(Comparator.<Remote>comparingInt(r -> -r.service().getSpec().getGroupPriorityMinimum())
                        .thenComparingInt(r -> -r.service().getSpec().getVersionPriority())
                        .thenComparing(r -> r.service().getMetadata().getName()))
                .map(r -> new Discovery.Aggregated(r.groupVersion(), r.resources()))
                .toList();
    }

    /**
     * The OpenAPI documents of the available extension API servers, in discovery order; the same list
     * instance until one of them changes, appears or goes.
     */
    public List<AggregatedSpec> openApiSpecs() {
        return openApiSpecs;
    }

    void sync() {
        List<APIService> all = apiServices.list(null, ListOptions.latest()).items();
        var seen = new java.util.HashSet<GroupVersion>();
        Map<GroupVersion, AggregatedSpec> specs = new java.util.HashMap<>();
        for (APIService service : all) {
            if (service.getSpec() == null || service.getSpec().getVersion() == null) {
                continue;
            }
            if (service.getSpec().getService() == null) {
                setAvailable(service, "True", "Local", "Local APIServices are always available");
                continue;
            }
            String key = service.getMetadata().getName() + "@" + service.getMetadata().getGeneration();
            HttpClient client;
            try {
                client = clients.computeIfAbsent(key, k -> newClient(service));
            } catch (IllegalStateException e) {
                setAvailable(service, "False", "FailedDiscoveryCheck", e.getMessage());
                continue;
            }
            Target target = resolve(service);
            Check check = target.problem() != null ? target.problem() : check(service, client, target.base());
            var remote = new Remote(service, client, check.available(), check.resources());
            seen.add(remote.groupVersion());
            remotes.put(remote.groupVersion(), remote);
            setAvailable(service, check.available() ? "True" : "False", check.reason(), check.message());
            if (check.available()) {
                var downloader = new OpenApiDownloader(service.getMetadata().getName(), client, target.base(), remote.groupVersion());
                try {
                    downloads.put(key, downloader.download(downloads.get(key)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                specs.put(remote.groupVersion(), downloads.get(key).spec());
            }
        }
        remotes.keySet().retainAll(seen);
        var live = all.stream().map(s -> s.getMetadata().getName() + "@" + s.getMetadata().getGeneration()).toList();
        clients.keySet().retainAll(live);
        downloads.keySet().retainAll(live);
        publish(discovery().stream().map(d -> specs.get(d.groupVersion())).filter(Objects::nonNull).toList());
    }

    /** Replaces the published OpenAPI specs when one of them is another instance, so the handlers rebuild only then. */
    private void publish(List<AggregatedSpec> specs) {
        List<AggregatedSpec> current = openApiSpecs;
        boolean same = current.size() == specs.size();
        for (int i = 0; same && i < specs.size(); i++) {
            same = current.get(i) == specs.get(i);
        }
        if (!same) {
            openApiSpecs = specs;
        }
    }

    record Check(boolean available, String reason, String message, JsonNode resources) {
        static Check failed(String reason, String message) {
            return new Check(false, reason, message, null);
        }
    }

    private Check check(APIService apiService, HttpClient client, URI base) {
        URI uri = base.resolve(new GroupVersion(apiService.getSpec().getGroup(), apiService.getSpec().getVersion()).path());
        try {
            HttpResponse<byte[]> response = client.send(withUser(HttpRequest.newBuilder(uri).timeout(CHECK_TIMEOUT).GET(),
                            ProxyHandler.LOOPBACK_USER).header("Accept", "application/json").build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() < 200 || response.statusCode() > 299) {
                return Check.failed("FailedDiscoveryCheck", "failing or missing response from " + uri + ": bad status from " + uri + ": "
                        + response.statusCode());
            }
            JsonNode list = MAPPER.readTree(response.body());
            return new Check(true, "Passed", "all checks passed", list.path("resources"));
        } catch (java.io.IOException e) {
            return Check.failed("FailedDiscoveryCheck", "failing or missing response from " + uri + ": " + describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Check.failed("FailedDiscoveryCheck", "interrupted");
        }
    }

    private static String describe(Exception e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getMessage() == null) {
            cause = cause.getCause();
        }
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }

    /** Where an APIService's requests go, or why nowhere (the AvailableConditionController's reasons and messages). */
    record Target(URI base, Check problem) {
    }

    Target resolve(APIService apiService) {
        var ref = apiService.getSpec().getService();
        String namespace = ref.getNamespace();
        String name = ref.getName();
        int port = ref.getPort() == null ? 443 : ref.getPort();
        Service service = find(() -> services.get(namespace, name));
        if (service == null) {
            return new Target(null, Check.failed("ServiceNotFound", "service/" + name + " in \"" + namespace + "\" is not present"));
        }
        if ("ExternalName".equals(service.getSpec().getType())) {
            return new Target(URI.create("https://" + service.getSpec().getExternalName() + ":" + port), null);
        }
        ServicePort servicePort = service.getSpec().getPorts() == null ? null : service.getSpec().getPorts().stream()
                .filter(p -> p.getPort() != null && p.getPort() == port).findFirst().orElse(null);
        if (servicePort == null) {
            return new Target(null, Check.failed("ServicePortError", "service/" + name + " in \"" + namespace
                    + "\" is not listening on port " + port));
        }
        Endpoints found = find(() -> endpoints.get(namespace, name));
        if (found == null) {
            return new Target(null, Check.failed("EndpointsNotFound", "cannot find endpoints for service/" + name + " in \"" + namespace + "\""));
        }
        String portName = Objects.requireNonNullElse(servicePort.getName(), "");
        for (EndpointSubset subset : Objects.requireNonNullElse(found.getSubsets(), List.<EndpointSubset>of())) {
            List<EndpointAddress> addresses = Objects.requireNonNullElse(subset.getAddresses(), List.of());
            if (addresses.isEmpty() || subset.getPorts() == null) {
                continue;
            }
            for (EndpointPort p : subset.getPorts()) {
                if (Objects.requireNonNullElse(p.getName(), "").equals(portName)) {
                    String ip = addresses.getFirst().getIp();
                    String host = ip.contains(":") ? "[" + ip + "]" : ip;
                    return new Target(URI.create("https://" + host + ":" + p.getPort()), null);
                }
            }
        }
        return new Target(null, Check.failed("MissingEndpoints", "endpoints for service/" + name + " in \"" + namespace
                + "\" have no addresses with port name \"" + portName + "\""));
    }

    private static <T> T find(java.util.function.Supplier<T> get) {
        try {
            return get.get();
        } catch (ApiException e) {
            if (e.code() == 404) {
                return null;
            }
            throw e;
        }
    }

    private HttpClient newClient(APIService apiService) {
        var spec = apiService.getSpec();
        var ref = spec.getService();
        SSLContext tls;
        try {
            if (Boolean.TRUE.equals(spec.getInsecureSkipTLSVerify())) {
                tls = AnyServerTrust.sslContext(proxyClient.keyManagers());
            } else {
                byte[] bundle = spec.getCaBundle() == null || spec.getCaBundle().isEmpty() ? null
                        : Base64.getDecoder().decode(spec.getCaBundle());
                tls = ServiceTrust.sslContext(bundle, ref.getName() + "." + ref.getNamespace() + ".svc", proxyClient.keyManagers());
            }
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("cannot trust " + apiService.getMetadata().getName() + "'s caBundle: " + e.getMessage(), e);
        }
        return HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1).connectTimeout(CHECK_TIMEOUT).build();
    }

    /** The request-header identity (upstream's X-Remote-User/Group/Extra-) the extension server authenticates by. */
    static HttpRequest.Builder withUser(HttpRequest.Builder request, dev.skiff.apiserver.authn.UserInfo user) {
        request.header("X-Remote-User", user.name());
        user.groups().forEach(g -> request.header("X-Remote-Group", g));
        user.extra().forEach((key, values) -> values.forEach(v -> request.header("X-Remote-Extra-"
                + java.net.URLEncoder.encode(key, StandardCharsets.UTF_8), v)));
        return request;
    }

    private void setAvailable(APIService service, String status, String reason, String message) {
        var conditions = service.getStatus() == null || service.getStatus().getConditions() == null ? List.<APIServiceCondition>of()
                : service.getStatus().getConditions();
        APIServiceCondition current = conditions.stream().filter(c -> "Available".equals(c.getType())).findFirst().orElse(null);
        if (current != null && status.equals(current.getStatus()) && reason.equals(current.getReason())
                && message.equals(current.getMessage())) {
            return;
        }
        String since = current != null && status.equals(current.getStatus()) ? current.getLastTransitionTime()
                : clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
        var updated = new ArrayList<>(conditions.stream().filter(c -> !"Available".equals(c.getType())).toList());
        updated.add(new APIServiceCondition(since, message, reason, status, "Available"));
        // written from a copy: the listed APIService is the watch cache's object, and a failed write must leave it as stored
        APIService changed = new APIServiceBuilder(service).withStatus(new APIServiceStatus(updated)).build();
        try {
            apiServices.subresource("status").orElseThrow().update(null, service.getMetadata().getName(), changed, false);
        } catch (ApiException e) {
            if (e.code() != 409 && e.code() != 404) {
                log.warn("cannot update the status of apiservice {}: {}", service.getMetadata().getName(), e.getMessage());
            }
            requestSync();
        }
    }

    @Override
    public void close() {
        watches.forEach(WatchStream::close);
        loop.shutdownNow();
    }
}
