package dev.skiff.controller.nodeipam;

import dev.skiff.client.controller.Controller;
import dev.skiff.client.record.EventRecorder;
import dev.skiff.client.workqueue.RateLimitingQueue;
import dev.skiff.controller.ControllerContext;
import dev.skiff.controller.ControllerDescriptor;
import dev.skiff.controller.nodeipam.cidrset.CidrSet;
import dev.skiff.controller.nodeipam.cidrset.CidrSetFullException;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Upstream's node IPAM controller with its range allocator (pkg/controller/nodeipam, "node-ipam-controller"),
 * on when --allocate-node-cidrs: every node without {@code spec.podCIDR} gets the next free subnet of
 * --cluster-cidr (/--node-cidr-mask-size) written to {@code spec.podCIDR} and {@code spec.podCIDRs}; the
 * CIDRs nodes already hold are marked taken before anything is handed out, and a deleted node's CIDR
 * is free again. A full range leaves the node without one and records the event CIDRNotAvailable;
 * the node is tried again with back-off. IPv4 single-stack.
 */
public final class NodeIpamController implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeIpamController.class);
    public static final String NAME = "node-ipam-controller";
    public static final ControllerDescriptor DESCRIPTOR = new ControllerDescriptor(NAME, NodeIpamController::start);

    private final KubernetesClient client;
    private final SharedIndexInformer<Node> nodes;
    private final CidrSet cidrs;
    private final EventRecorder events;
    private final Controller controller;
    /** Node name -> the CIDR this controller took for it (handed out, or seen on the node). */
    private final Map<String, String> taken = new ConcurrentHashMap<>();
    private volatile boolean occupied;

    private NodeIpamController(ControllerContext context, CidrSet cidrs) {
        this.client = context.client();
        this.cidrs = cidrs;
        this.events = context.eventRecorder("cidrAllocator");
        this.nodes = context.informers().sharedIndexInformerFor(Node.class, 0);
        this.controller = new Controller(NAME, this::sync, RateLimitingQueue.withDefaultRateLimiter(context.clock()), Integer.MAX_VALUE);
        nodes.addEventHandler(controller.enqueueingHandler());
    }

    static AutoCloseable start(ControllerContext context) {
        var options = context.options();
        if (!options.allocateNodeCidrs()) {
            LOG.info("--allocate-node-cidrs is false: node IPAM hands out no pod CIDRs");
            return () -> { };
        }
        if (options.clusterCidr() == null) {
            throw new IllegalArgumentException("--cluster-cidr is required when --allocate-node-cidrs is true");
        }
        var c = new NodeIpamController(context, new CidrSet(options.clusterCidr(), options.nodeCidrMaskSize()));
        context.runWhenSynced(c.controller, List.of(c.nodes));
        return c;
    }

    void sync(String name) {
        occupyExisting();
        Node node = nodes.getIndexer().getByKey(name);
        if (node == null) {
            String cidr = taken.remove(name);
            if (cidr != null) {
                cidrs.release(cidr);
                LOG.info("released pod CIDR {} of deleted node {}", cidr, name);
            }
            return;
        }
        List<String> existing = podCidrs(node);
        if (!existing.isEmpty()) {
            occupy(name, existing.getFirst());
            return;
        }
        String cidr = taken.get(name); // handed out before, but the node in the cache does not show it yet
        if (cidr == null) {
            try {
                cidr = cidrs.allocateNext();
            } catch (CidrSetFullException e) {
                events.event(node, "Normal", "CIDRNotAvailable", "Node " + name + " status is now: CIDRNotAvailable");
                throw e;
            }
            taken.put(name, cidr);
        }
        try {
            client.nodes().withName(name).patch(PatchContext.of(PatchType.JSON_MERGE),
                    "{\"spec\":{\"podCIDR\":\"" + cidr + "\",\"podCIDRs\":[\"" + cidr + "\"]}}");
            LOG.info("allocated pod CIDR {} to node {}", cidr, name);
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) { // gone meanwhile; its delete event releases the CIDR
                return;
            }
            events.event(node, "Normal", "CIDRAssignmentFailed", "Node " + name + " status is now: CIDRAssignmentFailed");
            throw e;
        }
    }

    /** Before the first CIDR is handed out, every CIDR a node already holds is marked taken (upstream's occupy at start). */
    private void occupyExisting() {
        if (occupied) {
            return;
        }
        synchronized (this) {
            if (!occupied) {
                for (Node n : nodes.getIndexer().list()) {
                    List<String> existing = podCidrs(n);
                    if (!existing.isEmpty()) {
                        occupy(n.getMetadata().getName(), existing.getFirst());
                    }
                }
                occupied = true;
            }
        }
    }

    private void occupy(String name, String cidr) {
        if (cidr.equals(taken.get(name))) {
            return;
        }
        try {
            if (cidrs.contains(cidr)) {
                cidrs.occupy(cidr);
                taken.put(name, cidr);
            } else {
                LOG.info("node {} has pod CIDR {} outside the cluster CIDR; leaving it alone", name, cidr);
            }
        } catch (IllegalArgumentException e) {
            LOG.warn("node {} has pod CIDR {} that cannot be marked taken: {}", name, cidr, e.getMessage());
        }
    }

    private static List<String> podCidrs(Node node) {
        var spec = node.getSpec();
        if (spec == null) {
            return List.of();
        }
        if (spec.getPodCIDRs() != null && !spec.getPodCIDRs().isEmpty()) {
            return spec.getPodCIDRs();
        }
        return spec.getPodCIDR() == null || spec.getPodCIDR().isEmpty() ? List.of() : List.of(spec.getPodCIDR());
    }

    @Override
    public void close() throws Exception {
        controller.close();
        events.close();
    }
}
