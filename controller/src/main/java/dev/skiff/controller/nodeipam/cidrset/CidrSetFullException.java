package dev.skiff.controller.nodeipam.cidrset;

/** Every subnet of the cluster CIDR is taken (upstream's ErrCIDRRangeNoCIDRsRemaining). */
public final class CidrSetFullException extends RuntimeException {
    public CidrSetFullException(String message) {
        super(message);
    }
}
