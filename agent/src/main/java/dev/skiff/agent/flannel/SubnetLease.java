package dev.skiff.agent.flannel;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's pod subnet, as flannel's kube subnet manager takes it: the Node's {@code spec.podCIDR}.
 * The node is registered early (labels and taints only; the kubelet takes it over and reports its
 * status later) so that node IPAM can hand it a CIDR, which is awaited - or, with an explicit
 * --pod-cidr, written to the node so that IPAM counts it as taken. A node's CIDR never changes
 * (the API server forbids it), so a --pod-cidr other than the node's is an error.
 */
public final class SubnetLease {
    private static final Logger LOG = LoggerFactory.getLogger(SubnetLease.class);

    private SubnetLease() {
    }

    /**
     * @param wanted the CIDR to claim (--pod-cidr), or null to wait for node IPAM's
     * @return the node's pod CIDR
     * @throws IllegalStateException when the node holds another CIDR, or none came within {@code timeout}
     */
    public static String acquire(KubernetesClient client, String nodeName, Map<String, String> labels, List<Taint> taints,
                                 String wanted, Duration timeout) throws InterruptedException {
        Node node = registered(client, nodeName, labels, taints, wanted);
        Instant deadline = Instant.now().plus(timeout);
        boolean logged = false;
        while (true) {
            String current = podCidr(node);
            if (current != null) {
                if (wanted != null && !wanted.equals(current)) {
                    throw new IllegalStateException("node " + nodeName + " already has pod CIDR " + current + ", which --pod-cidr "
                            + wanted + " cannot change");
                }
                return current;
            }
            if (wanted != null) {
                try {
                    node = client.nodes().withName(nodeName).patch(PatchContext.of(PatchType.JSON_MERGE),
                            "{\"spec\":{\"podCIDR\":\"" + wanted + "\",\"podCIDRs\":[\"" + wanted + "\"]}}");
                    continue;
                } catch (KubernetesClientException e) {
                    if (e.getCode() != 422) {
                        throw e;
                    }
                    // node IPAM set one meanwhile: read it back
                }
            } else if (!logged) {
                LOG.info("node {} waits for node IPAM to assign its pod CIDR", nodeName);
                logged = true;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("node " + nodeName + " got no pod CIDR within " + timeout.toSeconds()
                        + " s: is node IPAM on (skiff server --cluster-cidr, or controller-manager --allocate-node-cidrs)? Or set --pod-cidr");
            }
            Thread.sleep(200);
            node = client.nodes().withName(nodeName).get();
            if (node == null) {
                node = registered(client, nodeName, labels, taints, wanted);
            }
        }
    }

    private static Node registered(KubernetesClient client, String nodeName, Map<String, String> labels, List<Taint> taints, String wanted) {
        Node existing = client.nodes().withName(nodeName).get();
        if (existing != null) {
            return existing;
        }
        var builder = new NodeBuilder().withNewMetadata().withName(nodeName).withLabels(labels).endMetadata()
                .withNewSpec().withTaints(taints.isEmpty() ? null : taints).endSpec();
        if (wanted != null) {
            builder.editSpec().withPodCIDR(wanted).withPodCIDRs(wanted).endSpec();
        }
        try {
            return client.resource(builder.build()).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            return client.nodes().withName(nodeName).get();
        }
    }

    /** The node's first IPv4 InternalIP, or null. */
    public static String internalIp(Node node) {
        return node.getStatus() == null || node.getStatus().getAddresses() == null ? null
                : node.getStatus().getAddresses().stream().filter(a -> "InternalIP".equals(a.getType()))
                        .map(io.fabric8.kubernetes.api.model.NodeAddress::getAddress).filter(a -> a.indexOf(':') < 0).findFirst().orElse(null);
    }

    /** The node's pod CIDR, or null. */
    public static String podCidr(Node node) {
        if (node == null || node.getSpec() == null) {
            return null;
        }
        var spec = node.getSpec();
        if (spec.getPodCIDRs() != null && !spec.getPodCIDRs().isEmpty()) {
            return spec.getPodCIDRs().getFirst();
        }
        return spec.getPodCIDR() == null || spec.getPodCIDR().isEmpty() ? null : spec.getPodCIDR();
    }
}
