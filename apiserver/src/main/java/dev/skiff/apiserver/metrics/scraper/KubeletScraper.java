package dev.skiff.apiserver.metrics.scraper;

import dev.skiff.apiserver.metrics.storage.MetricsBatch;
import dev.skiff.apiserver.metrics.storage.MetricsPoint;
import dev.skiff.apiserver.metrics.storage.MetricsStorage;
import dev.skiff.apiserver.pki.CertifiedKey;
import dev.skiff.registry.core.node.KubeletConnection;
import io.fabric8.kubernetes.api.model.Node;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scrapes every Ready node's kubelet (simulated nodes have none and are skipped) {@code /metrics/resource} once per {@code --metric-resolution}
 * (upstream metrics-server's scraper; default 15 s) with the API server's kubelet client
 * certificate, in parallel, each request bounded by the smaller of 10 s (metrics-server's
 * --kubelet-request-timeout) and the resolution, and stores each round. A node that fails is left
 * out of that round (its metrics disappear, as metrics-server's do), with one log line.
 * The kubelets' self-signed serving certificates are not verified, as the API server does not
 * without --kubelet-certificate-authority (and metrics-server with --kubelet-insecure-tls).
 */
public final class KubeletScraper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KubeletScraper.class);
    public static final Duration DEFAULT_RESOLUTION = Duration.ofSeconds(15);
    private static final Duration MAX_REQUEST_TIMEOUT = Duration.ofSeconds(10);

    private final Supplier<List<Node>> nodes;
    private final MetricsStorage storage;
    private final Duration resolution;
    private final Clock clock;
    private final HttpClient http;
    private final ExecutorService requests = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("metrics-scrape-", 0).factory());
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon()
            .name("metrics-scraper").factory());

    public KubeletScraper(Supplier<List<Node>> nodes, CertifiedKey clientCertificate, MetricsStorage storage, Duration resolution, Clock clock) {
        this.nodes = nodes;
        this.storage = storage;
        this.resolution = resolution;
        this.clock = clock;
        this.http = HttpClient.newBuilder().sslContext(sslContext(clientCertificate)).executor(requests)
                .connectTimeout(requestTimeout()).build();
    }

    /** Scrapes now and then every resolution. */
    public KubeletScraper start() {
        ticker.scheduleWithFixedDelay(this::scrapeAndStore, 0, resolution.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    private Duration requestTimeout() {
        return resolution.compareTo(MAX_REQUEST_TIMEOUT) < 0 ? resolution : MAX_REQUEST_TIMEOUT;
    }

    void scrapeAndStore() {
        try {
            storage.store(scrape());
        } catch (RuntimeException e) {
            LOG.warn("scraping the kubelets failed, metrics kept from the last round: {}", e.toString());
        }
    }

    MetricsBatch scrape() {
        List<Node> ready = nodes.get().stream().filter(KubeletScraper::scrapable).toList();
        List<Future<ResourceMetricsDecoder.Decoded>> results = new ArrayList<>();
        for (Node node : ready) {
            results.add(requests.submit(() -> scrape(node)));
        }
        Map<String, MetricsPoint> nodePoints = new HashMap<>();
        Map<MetricsBatch.PodRef, Map<String, MetricsPoint>> pods = new HashMap<>();
        for (int i = 0; i < ready.size(); i++) {
            String name = ready.get(i).getMetadata().getName();
            try {
                var decoded = results.get(i).get();
                if (decoded.node() != null) {
                    nodePoints.put(name, decoded.node());
                }
                pods.putAll(decoded.pods());
            } catch (java.util.concurrent.ExecutionException e) {
                LOG.warn("scraping the kubelet failed node={}: {}", name, e.getCause().toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while scraping", e);
            }
        }
        return new MetricsBatch(nodePoints, pods);
    }

    private ResourceMetricsDecoder.Decoded scrape(Node node) throws IOException, InterruptedException {
        URI uri = URI.create(KubeletConnection.baseUri(node) + "/metrics/resource");
        var response = http.send(HttpRequest.newBuilder(uri).timeout(requestTimeout()).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("GET " + uri + ": HTTP " + response.statusCode());
        }
        return ResourceMetricsDecoder.decode(response.body(), clock.instant());
    }

    /** A Ready node with a kubelet server: simulated nodes (agent's SimulatedNodes label) have none, and their addresses take no traffic. */
    static boolean scrapable(Node node) {
        var labels = node.getMetadata().getLabels();
        if (labels != null && "true".equals(labels.get(dev.skiff.api.core.v1.SimulatedNodes.LABEL))) {
            return false;
        }
        return node.getStatus() != null && node.getStatus().getConditions() != null && node.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private static SSLContext sslContext(CertifiedKey client) {
        try {
            return dev.skiff.api.tls.AnyServerTrust.sslContext(client.keyManagers()); // kubelet serving certificates are self-signed
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot build the kubelet client's TLS context", e);
        }
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        requests.shutdownNow();
        http.shutdownNow();
    }
}
