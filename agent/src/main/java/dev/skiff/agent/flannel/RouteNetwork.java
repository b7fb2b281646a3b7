package dev.skiff.agent.flannel;

import dev.skiff.agent.flannel.backend.Backend;
import dev.skiff.agent.flannel.backend.Route;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * flannel's route network: a route to every other node's pod CIDR as the {@link Backend} says
 * (host-gw: via the node's address; vxlan: via its VTEP on the VXLAN device). The routes carry their
 * own protocol number ({@value #ROUTE_PROTOCOL}), which is how they are found again: each reconcile -
 * on every node event and every {@link #RECHECK_SECONDS} s, as flannel re-checks its routes - diffs
 * the routes wanted against {@code ip route show proto} and adds, replaces or deletes; closing deletes
 * them all (and closes the backend). {@link #stop} leaves routes and backend in place, as flanneld does when
 * it exits, so pods keep reaching other nodes' pods while the agent restarts; the next start's first
 * reconcile takes them over (unchanged routes are not touched, stale ones go). {@link #remove} is what
 * skiff killall runs.
 */
public final class RouteNetwork implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RouteNetwork.class);
    /** The routing protocol number marking our routes (an unassigned one in iproute2's rt_protos). */
    public static final int ROUTE_PROTOCOL = 200;
    static final int RECHECK_SECONDS = 10;

    private final String nodeName;
    private final Backend backend;
    private final SharedIndexInformer<Node> nodes;
    /** Pod CIDR -> the route last programmed for it. */
    private final Map<String, Route> programmed = new HashMap<>();
    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("flannel").factory());

    private RouteNetwork(KubernetesClient client, String nodeName, Backend backend) {
        this.nodeName = nodeName;
        this.backend = backend;
        this.nodes = client.nodes().runnableInformer(0);
        nodes.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Node node) {
                trigger();
            }

            @Override
            public void onUpdate(Node oldNode, Node newNode) {
                if (!Objects.equals(backend.route(oldNode), backend.route(newNode))) {
                    trigger();
                }
            }

            @Override
            public void onDelete(Node node, boolean finalStateUnknown) {
                trigger();
            }
        });
    }

    /** Starts keeping this node's routes to every other node's pods through {@code backend}, which it closes when closed. */
    public static RouteNetwork start(KubernetesClient client, String nodeName, Backend backend) {
        var network = new RouteNetwork(client, nodeName, backend);
        network.nodes.run();
        network.loop.submit(network::reconcile);
        network.loop.scheduleWithFixedDelay(network::reconcile, RECHECK_SECONDS, RECHECK_SECONDS, TimeUnit.SECONDS);
        return network;
    }

    private void trigger() {
        loop.execute(this::reconcile);
    }

    /** Pod CIDR -> route, for every other node the backend can reach. */
    Map<String, Route> wanted() {
        Map<String, Route> routes = new HashMap<>();
        for (Node node : nodes.getIndexer().list()) {
            if (!nodeName.equals(node.getMetadata().getName())) {
                backend.route(node).ifPresent(r -> routes.put(r.podCidr(), r));
            }
        }
        return routes;
    }

    private void reconcile() {
        if (!nodes.hasSynced()) {
            return;
        }
        try {
            Map<String, Route> want = wanted();
            Map<String, String> have = installed();
            for (Route route : want.values()) {
                backend.program(route);
                programmed.put(route.podCidr(), route);
                if (!route.gateway().equals(have.get(route.podCidr()))) {
                    List<String> command = new ArrayList<>(List.of("ip", "route", "replace", route.podCidr(), "via", route.gateway()));
                    command.addAll(backend.routeOptions());
                    command.addAll(List.of("proto", String.valueOf(ROUTE_PROTOCOL)));
                    IpCommand.run(command.toArray(String[]::new));
                    LOG.info("route to pods {} via {}", route.podCidr(), route.gateway());
                }
            }
            for (String cidr : have.keySet()) {
                if (!want.containsKey(cidr)) {
                    IpCommand.run("ip", "route", "del", cidr, "proto", String.valueOf(ROUTE_PROTOCOL));
                    LOG.info("route to pods {} removed", cidr);
                }
            }
            for (var it = programmed.entrySet().iterator(); it.hasNext(); ) {
                var e = it.next();
                if (!want.containsKey(e.getKey())) {
                    backend.forget(e.getValue());
                    it.remove();
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("flannel routes not reconciled; again in {} s: {}", RECHECK_SECONDS, e.getMessage());
        }
    }

    /** Our routes now in the main table: destination -> gateway. */
    static Map<String, String> installed() throws IOException {
        Map<String, String> routes = new HashMap<>();
        for (String line : IpCommand.run("ip", "-4", "route", "show", "proto", String.valueOf(ROUTE_PROTOCOL)).split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 3 && "via".equals(f[1])) {
                routes.put(f[0], f[2]);
            }
        }
        return routes;
    }

    /** Stops watching and reconciling; the routes and the backend's device stay. */
    public void stop() {
        loop.shutdownNow();
        try {
            loop.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        nodes.close();
    }

    /** Stops watching, deletes every route this node added and closes the backend. */
    @Override
    public void close() {
        stop();
        try {
            deleteRoutes();
        } catch (IOException e) {
            LOG.warn("flannel routes not removed: {}", e.getMessage());
        }
        try {
            backend.close();
        } catch (IOException e) {
            LOG.warn("flannel backend not closed: {}", e.getMessage());
        }
    }

    /**
     * Removes what a stopped (or killed) agent's route network left in this network namespace: every route of
     * {@link #ROUTE_PROTOCOL} and the vxlan backend's device.
     *
     * @return how many routes were deleted
     */
    public static int remove() throws IOException {
        int routes = deleteRoutes();
        dev.skiff.agent.flannel.backend.Vxlan.removeDevice();
        return routes;
    }

    private static int deleteRoutes() throws IOException {
        var cidrs = installed().keySet();
        for (String cidr : cidrs) {
            IpCommand.run("ip", "route", "del", cidr, "proto", String.valueOf(ROUTE_PROTOCOL));
        }
        return cidrs.size();
    }
}
