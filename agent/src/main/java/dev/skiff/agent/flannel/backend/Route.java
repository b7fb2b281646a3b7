package dev.skiff.agent.flannel.backend;

/**
 * The route to a peer node's pods.
 *
 * @param podCidr  the peer's pod CIDR
 * @param gateway  the next hop: the peer's address (host-gw) or its VTEP address (VXLAN)
 * @param vtepMac  the peer's VXLAN device address, null for host-gw
 * @param publicIp the peer's address the VXLAN packets go to, null for host-gw
 */
public record Route(String podCidr, String gateway, String vtepMac, String publicIp) {
}
