package dev.skiff.controller;

/**
 * The controller manager's settings beyond which controllers run (a subset of upstream's
 * KubeControllerManagerConfiguration, flags named as kube-controller-manager names them).
 *
 * @param allocateNodeCidrs whether node IPAM hands each node a pod CIDR (--allocate-node-cidrs)
 * @param clusterCidr       the range pod CIDRs come from (--cluster-cidr); required when allocating
 * @param nodeCidrMaskSize  the size of each node's pod CIDR (--node-cidr-mask-size, 24)
 */
public record ControllerOptions(boolean allocateNodeCidrs, String clusterCidr, int nodeCidrMaskSize) {
    /** Upstream's defaults: no node CIDR allocation. */
    public static final ControllerOptions DEFAULTS = new ControllerOptions(false, null, 24);

    /** Node IPAM on {@code clusterCidr} with /24 per node, as k3s runs it (10.42.0.0/16). */
    public static ControllerOptions allocatingFrom(String clusterCidr) {
        return new ControllerOptions(true, clusterCidr, 24);
    }
}
