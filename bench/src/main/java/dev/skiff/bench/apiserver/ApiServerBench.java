package dev.skiff.bench.apiserver;

import com.google.protobuf.ByteString;
import dev.skiff.bench.store.Latencies;
import dev.skiff.cli.server.Server;
import dev.skiff.cli.server.ServerConfig;
import dev.skiff.store.PutRequest;
import dev.skiff.store.Store;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The API server benchmark (issue 3): a real {@code skiff server} (embedded store, agent off) in
 * this JVM, driven over HTTPS by the JDK HttpClient with HTTP/2 and HTTP/1.1. Single-object
 * create/get/update of configmaps at a fixed open-loop rate, with latency measured from each
 * request's intended send time (no coordinated omission); LIST of 10k and 100k objects with the
 * heap after GC; watch delivery latency with many watchers. Prints markdown rows; asserts nothing.
 */
public final class ApiServerBench {
    private static final Pattern NAME = Pattern.compile("\"name\":\"w-(\\d+)\"");
    private static final String PAYLOAD = "x".repeat(64);
    /** Unmeasured reads of each list mode first, so the JIT has compiled that path before it is timed. */
    private static final int WARM_UP_READS = 2;

    private final URI url;
    private final String token;
    private final SSLContext ssl;
    private final Store store;

    private ApiServerBench(URI url, String token, SSLContext ssl, Store store) {
        this.url = url;
        this.token = token;
        this.ssl = ssl;
        this.store = store;
    }

    public static void main(String[] args) throws Exception {
        int seconds = 10;
        List<Integer> rates = List.of(100, 500);
        List<Integer> listSizes = List.of(10_000, 100_000);
        int watchers = 1000;
        String only = "";
        String listKind = "pods";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--rates" -> rates = Stream.of(args[++i].split(",")).map(Integer::parseInt).toList();
                case "--list-sizes" -> listSizes = Stream.of(args[++i].split(",")).map(Integer::parseInt).toList();
                case "--watchers" -> watchers = Integer.parseInt(args[++i]);
                case "--only" -> only = args[++i];
                case "--list-kind" -> listKind = args[++i];
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (options: --seconds N --rates 100,500 --list-sizes 10000,100000 --watchers N --only single|list|watch --list-kind pods|configmaps)");
            }
        }
        Path dir = Files.createTempDirectory("skiff-apiserver-bench");
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        Path kubeconfig = dir.resolve("admin.kubeconfig");
        var config = new ServerConfig(dir, List.of(), null, Duration.ofMinutes(5), Store.DEFAULT_MAX_REQUEST_BYTES,
                "127.0.0.1", port, kubeconfig, Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                List.of(), dev.skiff.registry.core.service.ipallocator.ServiceCidr.DEFAULT,
                dev.skiff.registry.core.service.portallocator.PortRange.DEFAULT, 400, 200, true, true, null, null,
                dev.skiff.controller.ControllerOptions.DEFAULTS, new ServerConfig.ClusterDns(
                dev.skiff.registry.core.service.ipallocator.ServiceCidr.DEFAULT.address(java.math.BigInteger.TEN), "cluster.local", null), 10250, "host-gw", "skiff0", null,
                dev.skiff.apiserver.admission.AdmissionOptions.defaults(),
                dev.skiff.apiserver.registry.core.serviceaccount.TokenExpiration.defaults(), Duration.ofSeconds(15),
                dev.skiff.agent.containerd.registries.Registries.NONE, dev.skiff.apiserver.audit.AuditOptions.NONE);
        try (Server server = Server.start(config)) {
            var bench = new ApiServerBench(URI.create("https://127.0.0.1:" + port), Files.readString(dir.resolve("server/token")).strip(),
                    trustingClusterCa(Files.readString(kubeconfig)), server.store());
            System.out.printf(Locale.ROOT, "# skiff API server benchmark: %d cores, JDK %s, max heap %d MiB%n",
                    Runtime.getRuntime().availableProcessors(), Runtime.version(), Runtime.getRuntime().maxMemory() >> 20);
            if (only.isEmpty() || only.equals("single")) {
                bench.singleObject(rates, seconds);
            }
            if (only.isEmpty() || only.equals("list")) {
                bench.lists(listSizes, listKind);
            }
            if (only.isEmpty() || only.equals("watch")) {
                bench.watch(watchers);
            }
        }
    }

    // -- single-object calls at a fixed rate

    private void singleObject(List<Integer> rates, int seconds) throws Exception {
        createNamespace("bench");
        System.out.println();
        System.out.println("| op | http | rate/s | requests | errors | p50 ms | p99 ms | max ms |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (HttpClient.Version version : List.of(HttpClient.Version.HTTP_2, HttpClient.Version.HTTP_1_1)) {
            HttpClient client = client(version);
            String v = version == HttpClient.Version.HTTP_2 ? "2" : "1.1";
            for (int rate : rates) {
                String prefix = "c" + v.replace(".", "") + "-" + rate + "-";
                int n = rate * seconds;
                // warm-up at the same rate on other objects, so the JIT and connections are ready
                openLoop(client, rate, 2 * rate, i -> create("bench", "warm-" + prefix + i));
                report("create", v, rate, openLoop(client, rate, n, i -> create("bench", prefix + i)));
                report("get", v, rate, openLoop(client, rate, n, i -> authorized("/api/v1/namespaces/bench/configmaps/" + prefix + i).build()));
                report("update", v, rate, openLoop(client, rate, n, i -> authorized("/api/v1/namespaces/bench/configmaps/" + prefix + i)
                        .header("Content-Type", "application/json")
                        .PUT(HttpRequest.BodyPublishers.ofString(configMap("bench", prefix + i, "updated-" + i))).build()));
            }
        }
    }

    /** {@code errors}: failed requests by status code or exception class. */
    private record Run(Latencies latencies, int errors, Map<String, Integer> errorKinds) {
    }

    /** Sends request {@code i} at start + i/rate whatever earlier ones are doing; latency counts from that intended time. */
    private static Run openLoop(HttpClient client, int rate, int count, IntFunction<HttpRequest> request) throws InterruptedException {
        Latencies latencies = new Latencies();
        AtomicInteger errors = new AtomicInteger();
        Map<String, Integer> kinds = new ConcurrentSkipListMap<>();
        CountDownLatch done = new CountDownLatch(count);
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(10);
        long interval = TimeUnit.SECONDS.toNanos(1) / rate;
        for (int i = 0; i < count; i++) {
            long intended = start + i * interval;
            HttpRequest r = request.apply(i);
            for (long wait = intended - System.nanoTime(); wait > 0; wait = intended - System.nanoTime()) {
                LockSupport.parkNanos(wait);
            }
            client.sendAsync(r, HttpResponse.BodyHandlers.discarding()).whenComplete((response, failure) -> {
                long now = System.nanoTime();
                if (failure != null || response.statusCode() >= 300) {
                    errors.incrementAndGet();
                    Throwable cause = failure instanceof java.util.concurrent.CompletionException c && c.getCause() != null ? c.getCause() : failure;
                    kinds.merge(failure != null ? cause.getClass().getSimpleName() : Integer.toString(response.statusCode()), 1, Integer::sum);
                }
                synchronized (latencies) {
                    latencies.add(now - intended);
                }
                done.countDown();
            });
        }
        if (!done.await(120, TimeUnit.SECONDS)) {
            throw new IllegalStateException("requests still outstanding after 120 s: " + done.getCount());
        }
        return new Run(latencies, errors.get(), kinds);
    }

    private static void report(String op, String version, int rate, Run run) {
        Latencies l = run.latencies();
        System.out.printf(Locale.ROOT, "| %s | %s | %d | %d | %s | %.2f | %.2f | %.2f |%n", op, version, rate, l.count(),
                run.errors() == 0 ? "0" : run.errors() + " " + run.errorKinds(),
                l.percentileMillis(0.5), l.percentileMillis(0.99), l.percentileMillis(1.0));
    }

    // -- LIST

    private void lists(List<Integer> sizes, String kind) throws Exception {
        if (!kind.equals("pods") && !kind.equals("configmaps")) {
            throw new IllegalArgumentException("--list-kind: pods or configmaps, not " + kind);
        }
        HttpClient client = client(HttpClient.Version.HTTP_2);
        System.out.println();
        System.out.println("Objects listed: " + kind);
        System.out.println("| objects | list | response MiB | reads | p50 ms | p99 ms | heap after GC MiB (before -> with objects) |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (int size : sizes) {
            String ns = "list-" + size;
            createNamespace(ns);
            long before = heapAfterGc();
            populate(ns, size, kind);
            String path = "/api/v1/namespaces/" + ns + "/" + kind;
            long bytes = read(client, path + "?resourceVersion=0"); // also waits for the cache to hold them all
            long with = heapAfterGc();
            int reads = size >= 100_000 ? 5 : 20;
            String heap = (before >> 20) + " -> " + (with >> 20);
            for (String[] mode : new String[][] {{"resourceVersion=0 (cache)", "?resourceVersion=0"},
                    {"resourceVersion unset (consistent, cache)", ""}, {"limit=500 pages (cache snapshot)", "?limit=500"}}) {
                Latencies l = new Latencies();
                for (int i = -WARM_UP_READS; i < reads; i++) {
                    long t0 = System.nanoTime();
                    if (mode[1].startsWith("?limit")) {
                        readAllPages(client, path);
                    } else {
                        read(client, path + mode[1]);
                    }
                    if (i >= 0) {
                        l.add(System.nanoTime() - t0);
                    }
                }
                System.out.printf(Locale.ROOT, "| %d | %s | %.1f | %d | %.1f | %.1f | %s |%n", size, mode[0], bytes / 1048576.0, reads,
                        l.percentileMillis(0.5), l.percentileMillis(0.99), heap);
            }
        }
    }

    /**
     * Writes {@code count} configmaps or pods straight into the store (as the registry would store them), 64 at
     * a time. Pods look like a running deployment's pod after the scheduler and a kubelet wrote them (~2.4 KB).
     */
    private void populate(String ns, int count, String kind) throws InterruptedException {
        Semaphore inFlight = new Semaphore(64);
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < count; i++) {
                String name = (kind.equals("pods") ? "web-7d9f8b6c5d-" : "cm-") + i;
                int index = i;
                inFlight.acquire();
                pool.submit(() -> {
                    try {
                        String json = kind.equals("pods") ? pod(ns, name, index)
                                : "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"" + name + "\",\"namespace\":\"" + ns
                                + "\",\"uid\":\"" + java.util.UUID.randomUUID() + "\",\"creationTimestamp\":\"2026-01-01T00:00:00Z\","
                                + "\"labels\":{\"app\":\"bench\"}},\"data\":{\"k\":\"" + PAYLOAD + "\"}}";
                        store.put(PutRequest.of(ByteString.copyFromUtf8("/registry/" + kind + "/" + ns + "/" + name),
                                ByteString.copyFromUtf8(json)));
                    } finally {
                        inFlight.release();
                    }
                });
            }
        }
    }

    /** A running deployment pod as stored: defaults applied, bound, status from a kubelet. */
    private static String pod(String ns, String name, int index) {
        String ip = "10.42." + (index >> 8 & 255) + "." + (index & 255);
        return """
                {"apiVersion":"v1","kind":"Pod","metadata":{"name":"%1$s","namespace":"%2$s","uid":"%3$s",\
                "generateName":"web-7d9f8b6c5d-","creationTimestamp":"2026-01-01T00:00:00Z",\
                "labels":{"app":"web","pod-template-hash":"7d9f8b6c5d"},\
                "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-7d9f8b6c5d",\
                "uid":"6c1f0a52-3b8e-4d7a-9a61-0d5e2f7c9b11","controller":true,"blockOwnerDeletion":true}]},\
                "spec":{"containers":[{"name":"web","image":"skiff.local/httpd:latest","ports":[{"containerPort":8080,"protocol":"TCP"}],\
                "resources":{"requests":{"cpu":"100m","memory":"64Mi"},"limits":{"memory":"128Mi"}},\
                "readinessProbe":{"httpGet":{"path":"/","port":8080,"scheme":"HTTP"},"timeoutSeconds":1,"periodSeconds":10,\
                "successThreshold":1,"failureThreshold":3},\
                "volumeMounts":[{"name":"kube-api-access-x7k2p","readOnly":true,"mountPath":"/var/run/secrets/kubernetes.io/serviceaccount"}],\
                "terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent"}],\
                "volumes":[{"name":"kube-api-access-x7k2p","projected":{"sources":[{"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}},\
                {"configMap":{"name":"kube-root-ca.crt","items":[{"key":"ca.crt","path":"ca.crt"}]}}],"defaultMode":420}}],\
                "restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","serviceAccountName":"default",\
                "serviceAccount":"default","nodeName":"node-%4$d","securityContext":{},"schedulerName":"default-scheduler",\
                "tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300},\
                {"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}],\
                "priority":0,"enableServiceLinks":true,"preemptionPolicy":"PreemptLowerPriority"},\
                "status":{"phase":"Running","conditions":[\
                {"type":"PodReadyToStartContainers","status":"True","lastTransitionTime":"2026-01-01T00:00:02Z"},\
                {"type":"Initialized","status":"True","lastTransitionTime":"2026-01-01T00:00:01Z"},\
                {"type":"Ready","status":"True","lastTransitionTime":"2026-01-01T00:00:04Z"},\
                {"type":"ContainersReady","status":"True","lastTransitionTime":"2026-01-01T00:00:04Z"},\
                {"type":"PodScheduled","status":"True","lastTransitionTime":"2026-01-01T00:00:00Z"}],\
                "hostIP":"192.168.1.%5$d","hostIPs":[{"ip":"192.168.1.%5$d"}],"podIP":"%6$s","podIPs":[{"ip":"%6$s"}],\
                "startTime":"2026-01-01T00:00:01Z","containerStatuses":[{"name":"web","state":{"running":{"startedAt":"2026-01-01T00:00:02Z"}},\
                "lastState":{},"ready":true,"restartCount":0,"image":"skiff.local/httpd:latest",\
                "imageID":"sha256:4b1d3f0c9e7a2b6d5c8f1e0a3b2c4d6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c",\
                "containerID":"containerd://%7$s","started":true}],"qosClass":"Burstable"}}""".formatted(
                name, ns, java.util.UUID.randomUUID(), index % 100, index % 100 + 10, ip,
                java.util.UUID.randomUUID().toString().replace("-", "") + java.util.UUID.randomUUID().toString().replace("-", ""));
    }

    private long read(HttpClient client, String path) throws Exception {
        HttpResponse<InputStream> response = client.send(authorized(path).build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            long bytes = body.transferTo(java.io.OutputStream.nullOutputStream());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("GET " + path + ": " + response.statusCode());
            }
            return bytes;
        }
    }

    private void readAllPages(HttpClient client, String path) throws Exception {
        String next = "";
        do {
            String query = "?limit=500" + (next.isEmpty() ? "" : "&continue=" + java.net.URLEncoder.encode(next, java.nio.charset.StandardCharsets.UTF_8));
            HttpResponse<String> response = client.send(authorized(path + query).build(), HttpResponse.BodyHandlers.ofString());
            Matcher m = Pattern.compile("\"continue\":\"([^\"]*)\"").matcher(response.body());
            next = m.find() ? m.group(1) : "";
        } while (!next.isEmpty());
    }

    private static long heapAfterGc() {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    // -- watch delivery

    private void watch(int watcherCount) throws Exception {
        String ns = "watch";
        createNamespace(ns);
        int events = 50;
        long[][] received = new long[events][watcherCount];
        AtomicInteger receivedCount = new AtomicInteger();
        List<HttpClient> clients = new ArrayList<>();
        for (int c = 0; c < Math.max(1, watcherCount / 250); c++) {
            clients.add(client(HttpClient.Version.HTTP_2));
        }
        List<CompletableFuture<HttpResponse<Stream<String>>>> started = new ArrayList<>();
        for (int w = 0; w < watcherCount; w++) {
            HttpRequest request = authorized("/api/v1/namespaces/" + ns + "/configmaps?watch=true&timeoutSeconds=600").build();
            started.add(clients.get(w % clients.size()).sendAsync(request, HttpResponse.BodyHandlers.ofLines()));
            if (w < clients.size()) {
                // the first stream of each client opens its HTTP/2 connection; the others multiplex on it
                started.get(w).get(60, TimeUnit.SECONDS);
            }
        }
        List<Thread> readers = new ArrayList<>();
        for (int w = 0; w < watcherCount; w++) {
            HttpResponse<Stream<String>> response = started.get(w).get(60, TimeUnit.SECONDS);
            int watcher = w;
            readers.add(Thread.ofVirtual().start(() -> {
                try (Stream<String> lines = response.body()) {
                    lines.forEach(line -> {
                        Matcher m = NAME.matcher(line);
                        if (m.find()) {
                            int event = Integer.parseInt(m.group(1));
                            if (event < events && received[event][watcher] == 0) {
                                received[event][watcher] = System.nanoTime();
                                receivedCount.incrementAndGet();
                            }
                        }
                    });
                } catch (java.io.UncheckedIOException ended) {
                    // the client shut down at the end of the run
                }
            }));
        }
        Thread.sleep(1000);
        HttpClient writer = client(HttpClient.Version.HTTP_2);
        long[] sent = new long[events];
        long[] acked = new long[events];
        for (int i = 0; i < events; i++) {
            sent[i] = System.nanoTime();
            HttpResponse<Void> response = writer.send(create(ns, "w-" + i), HttpResponse.BodyHandlers.discarding());
            acked[i] = System.nanoTime();
            if (response.statusCode() != 201) {
                throw new IllegalStateException("create w-" + i + ": " + response.statusCode());
            }
            Thread.sleep(100);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (receivedCount.get() < events * watcherCount && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        Latencies fromAck = new Latencies();
        Latencies fromSend = new Latencies();
        for (int i = 0; i < events; i++) {
            for (long at : received[i]) {
                if (at != 0) {
                    fromAck.add(Math.max(0, at - acked[i])); // an event can overtake the write's own response
                    fromSend.add(at - sent[i]);
                }
            }
        }
        System.out.println();
        System.out.println("| watchers | events written | deliveries (expected) | from ack p50 ms | p99 ms | from send p50 ms | p99 ms |");
        System.out.println("|---|---|---|---|---|---|---|");
        System.out.printf(Locale.ROOT, "| %d | %d | %d (%d) | %.2f | %.2f | %.2f | %.2f |%n", watcherCount, events, receivedCount.get(),
                (long) events * watcherCount, fromAck.percentileMillis(0.5), fromAck.percentileMillis(0.99),
                fromSend.percentileMillis(0.5), fromSend.percentileMillis(0.99));
        readers.forEach(Thread::interrupt);
        clients.forEach(HttpClient::shutdownNow);
    }

    // -- HTTP helpers

    private void createNamespace(String name) throws Exception {
        HttpResponse<String> response = client(HttpClient.Version.HTTP_2).send(authorized("/api/v1/namespaces")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"" + name + "\"}}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 201) {
            throw new IllegalStateException("create namespace " + name + ": " + response.statusCode() + " " + response.body());
        }
    }

    private HttpRequest create(String ns, String name) {
        return authorized("/api/v1/namespaces/" + ns + "/configmaps").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(configMap(ns, name, PAYLOAD))).build();
    }

    private static String configMap(String ns, String name, String value) {
        return "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"" + name + "\",\"namespace\":\"" + ns
                + "\",\"labels\":{\"app\":\"bench\"}},\"data\":{\"k\":\"" + value + "\"}}";
    }

    private HttpRequest.Builder authorized(String path) {
        return HttpRequest.newBuilder(url.resolve(path)).header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(120));
    }

    private HttpClient client(HttpClient.Version version) {
        return HttpClient.newBuilder().version(version).sslContext(ssl).connectTimeout(Duration.ofSeconds(60)).build();
    }

    /** TLS that trusts the cluster CA from the admin kubeconfig and nothing else. */
    private static SSLContext trustingClusterCa(String kubeconfig) throws Exception {
        Matcher m = Pattern.compile("certificate-authority-data:\\s*(\\S+)").matcher(kubeconfig);
        if (!m.find()) {
            throw new IllegalStateException("no certificate-authority-data in the kubeconfig");
        }
        byte[] ca = Base64.getDecoder().decode(m.group(1).replace("\"", ""));
        var trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("cluster-ca", CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(ca)));
        var tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        var ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        return ssl;
    }
}
