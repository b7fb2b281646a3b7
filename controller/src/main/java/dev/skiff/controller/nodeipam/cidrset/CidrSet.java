package dev.skiff.controller.nodeipam.cidrset;

import java.util.BitSet;

/**
 * The pod subnets of one cluster CIDR (upstream's pkg/controller/nodeipam/ipam/cidrset): the
 * cluster CIDR cut into subnets of {@code subnetMaskSize} bits, each free or taken, handed out
 * round-robin from after the last one given (so a released subnet is not reused at once). IPv4.
 * Thread-safe.
 */
public final class CidrSet {
    private final int base;
    private final int clusterMaskSize;
    private final int subnetMaskSize;
    private final int count;
    private final BitSet used;
    private int next;

    /**
     * @throws IllegalArgumentException for a malformed CIDR, a subnet mask not longer than the cluster's,
     *                                  or more than 2^16 subnets (upstream's limit on the difference: 16 bits)
     */
    public CidrSet(String clusterCidr, int subnetMaskSize) {
        Cidr cluster = Cidr.parse(clusterCidr);
        if (subnetMaskSize < cluster.maskSize() || subnetMaskSize > 32) {
            throw new IllegalArgumentException("subnet mask size " + subnetMaskSize + " must be between the cluster CIDR's ("
                    + cluster.maskSize() + ") and 32");
        }
        if (subnetMaskSize - cluster.maskSize() > 16) {
            throw new IllegalArgumentException("subnet mask size is too big for the cluster CIDR " + clusterCidr
                    + ": at most 16 bits more than its mask size " + cluster.maskSize());
        }
        this.base = cluster.address();
        this.clusterMaskSize = cluster.maskSize();
        this.subnetMaskSize = subnetMaskSize;
        this.count = 1 << (subnetMaskSize - clusterMaskSize);
        this.used = new BitSet(count);
    }

    /** The next free subnet, marked taken; {@link CidrSetFullException} when none is left. */
    public synchronized String allocateNext() {
        int free = used.nextClearBit(next);
        if (free >= count) {
            free = used.nextClearBit(0);
        }
        if (free >= count) {
            throw new CidrSetFullException("CIDR allocation failed; there are no remaining CIDRs left to allocate in the accepted range");
        }
        used.set(free);
        next = (free + 1) % count;
        return subnet(free);
    }

    /** Marks {@code cidr} taken (a node that already has it); every subnet it covers, when it is wider than one. */
    public synchronized void occupy(String cidr) {
        mark(cidr, true);
    }

    /** Frees {@code cidr} (its node is gone). */
    public synchronized void release(String cidr) {
        mark(cidr, false);
    }

    public synchronized boolean isTaken(String cidr) {
        int[] range = indexes(Cidr.parse(cidr));
        return used.get(range[0]);
    }

    /** Whether {@code cidr} lies inside the cluster CIDR. */
    public boolean contains(String cidr) {
        Cidr c = Cidr.parse(cidr);
        return c.maskSize() >= clusterMaskSize && (c.address() & mask(clusterMaskSize)) == base;
    }

    private void mark(String cidr, boolean taken) {
        int[] range = indexes(Cidr.parse(cidr));
        used.set(range[0], range[1], taken);
    }

    /** The [from, to) subnet indexes {@code c} covers. */
    private int[] indexes(Cidr c) {
        if (c.maskSize() < clusterMaskSize || (c.address() & mask(clusterMaskSize)) != base) {
            throw new IllegalArgumentException("cidr " + c + " is out the range of cluster cidr " + Cidr.format(base, clusterMaskSize));
        }
        int shift = 32 - subnetMaskSize;
        int from = (c.address() - base) >>> shift;
        int width = c.maskSize() >= subnetMaskSize ? 1 : 1 << (subnetMaskSize - c.maskSize());
        return new int[] {from, from + width};
    }

    private String subnet(int index) {
        return Cidr.format(base + (index << (32 - subnetMaskSize)), subnetMaskSize);
    }

    private static int mask(int size) {
        return size == 0 ? 0 : -1 << (32 - size);
    }

    /** An IPv4 CIDR: the address with host bits cleared, and the mask size. */
    record Cidr(int address, int maskSize) {
        static Cidr parse(String text) {
            String[] parts = text.split("/", -1);
            if (parts.length != 2) {
                throw new IllegalArgumentException("invalid CIDR address: " + text);
            }
            String[] octets = parts[0].split("\\.", -1);
            int size;
            try {
                size = Integer.parseInt(parts[1]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("invalid CIDR address: " + text);
            }
            if (octets.length != 4 || size < 0 || size > 32) {
                throw new IllegalArgumentException("invalid CIDR address: " + text + " (only IPv4 CIDRs are supported)");
            }
            int address = 0;
            for (String o : octets) {
                int v;
                try {
                    v = Integer.parseInt(o);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("invalid CIDR address: " + text);
                }
                if (v < 0 || v > 255 || o.isEmpty()) {
                    throw new IllegalArgumentException("invalid CIDR address: " + text);
                }
                address = (address << 8) | v;
            }
            return new Cidr(address & mask(size), size);
        }

        static String format(int address, int size) {
            return (address >>> 24) + "." + ((address >>> 16) & 255) + "." + ((address >>> 8) & 255) + "." + (address & 255) + "/" + size;
        }

        @Override
        public String toString() {
            return format(address, maskSize);
        }
    }
}
