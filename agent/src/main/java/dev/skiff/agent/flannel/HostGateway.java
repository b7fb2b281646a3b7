package dev.skiff.agent.flannel;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * flannel's host-gw backend: a route to every other node's pod CIDR through that node's
 * InternalIP, so pods reach pods on other nodes without encapsulation (the nodes must share a
 * layer-2 segment, as host-gw requires). The routes carry their own protocol number
 * ({@value #ROUTE_PROTOCOL}), which is how they are found again: each reconcile - on every node
 * event and every {@link #RECHECK_SECONDS} s, as flannel re-checks its routes - diffs the routes
 * wanted against {@code ip route show proto} and adds, replaces or deletes; closing deletes them all,
 * and a start after a crash removes what the crashed run left.
 */
public final class HostGateway implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HostGateway.class);
    /** The routing protocol number marking our routes (an unassigned one in iproute2's rt_protos). */
    public static final int ROUTE_PROTOCOL = 200;
    static final int RECHECK_SECONDS = 10;

    private final String nodeName;
    private final SharedIndexInformer<Node> nodes;
    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("host-gw").factory());

    private HostGateway(KubernetesClient client, String nodeName) {
        this.nodeName = nodeName;
        this.nodes = client.nodes().runnableInformer(0);
        nodes.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Node node) {
                trigger();
            }

            @Override
            public void onUpdate(Node oldNode, Node newNode) {
                if (!route(oldNode).equals(route(newNode))) {
                    trigger();
                }
            }

            @Override
            public void onDelete(Node node, boolean finalStateUnknown) {
                trigger();
            }
        });
    }

    /** Starts keeping this node's routes to every other node's pods; returns once the first routes are in place. */
    public static HostGateway start(KubernetesClient client, String nodeName) {
        var gateway = new HostGateway(client, nodeName);
        gateway.nodes.run();
        gateway.loop.submit(gateway::reconcile);
        gateway.loop.scheduleWithFixedDelay(gateway::reconcile, RECHECK_SECONDS, RECHECK_SECONDS, TimeUnit.SECONDS);
        return gateway;
    }

    private void trigger() {
        loop.execute(this::reconcile);
    }

    /** Pod CIDR -> next hop, for every other node that has both. */
    Map<String, String> wanted() {
        Map<String, String> routes = new HashMap<>();
        for (Node node : nodes.getIndexer().list()) {
            if (nodeName.equals(node.getMetadata().getName())) {
                continue;
            }
            List<String> r = route(node);
            if (!r.isEmpty()) {
                routes.put(r.get(0), r.get(1));
            }
        }
        return routes;
    }

    /** [pod CIDR, InternalIP] of {@code node}, or empty while it lacks either. */
    private static List<String> route(Node node) {
        String cidr = SubnetLease.podCidr(node);
        String ip = node.getStatus() == null || node.getStatus().getAddresses() == null ? null
                : node.getStatus().getAddresses().stream().filter(a -> "InternalIP".equals(a.getType()))
                        .map(NodeAddress::getAddress).filter(a -> a.indexOf(':') < 0).findFirst().orElse(null);
        return cidr == null || ip == null ? List.of() : List.of(cidr, ip);
    }

    private void reconcile() {
        if (!nodes.hasSynced()) {
            return;
        }
        try {
            Map<String, String> want = wanted();
            Map<String, String> have = installed();
            for (var e : want.entrySet()) {
                if (!e.getValue().equals(have.get(e.getKey()))) {
                    ip("route", "replace", e.getKey(), "via", e.getValue(), "proto", String.valueOf(ROUTE_PROTOCOL));
                    LOG.info("route to pods {} via node {}", e.getKey(), e.getValue());
                }
            }
            for (String cidr : have.keySet()) {
                if (!want.containsKey(cidr)) {
                    ip("route", "del", cidr, "proto", String.valueOf(ROUTE_PROTOCOL));
                    LOG.info("route to pods {} removed", cidr);
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("host-gw routes not reconciled; again in {} s: {}", RECHECK_SECONDS, e.getMessage());
        }
    }

    /** Our routes now in the main table: destination -> gateway. */
    static Map<String, String> installed() throws IOException {
        Map<String, String> routes = new HashMap<>();
        for (String line : ip("-4", "route", "show", "proto", String.valueOf(ROUTE_PROTOCOL)).split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 3 && "via".equals(f[1])) {
                routes.put(f[0], f[2]);
            }
        }
        return routes;
    }

    private static String ip(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add("ip");
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (p.waitFor() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + out.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", command));
        }
        return out;
    }

    /** Stops watching and deletes every route this node added. */
    @Override
    public void close() {
        loop.shutdownNow();
        try {
            loop.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        nodes.close();
        try {
            for (String cidr : installed().keySet()) {
                ip("route", "del", cidr, "proto", String.valueOf(ROUTE_PROTOCOL));
            }
        } catch (IOException e) {
            LOG.warn("host-gw routes not removed: {}", e.getMessage());
        }
    }
}
