package dev.skiff.registry.core.service.ipallocator;

import dev.skiff.registry.core.pod.IpAddresses;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** A service IP range such as 10.43.0.0/16 (--service-cluster-ip-range); {@code network} has its host bits cleared. */
public record ServiceCidr(InetAddress network, int prefix) {
    public static final ServiceCidr DEFAULT = parse("10.43.0.0/16");

    public ServiceCidr {
        int bits = network.getAddress().length * 8;
        if (prefix < 0 || prefix > bits - 2) {
            throw new IllegalArgumentException("'" + network.getHostAddress() + "/" + prefix + "' needs a prefix length from 0 to " + (bits - 2));
        }
        network = at(toNumber(network).shiftRight(bits - prefix).shiftLeft(bits - prefix), network.getAddress().length);
    }

    /** Parses "a.b.c.d/n" or an IPv6 CIDR; host bits are dropped (10.96.5.7/12 is 10.96.0.0/12). */
    public static ServiceCidr parse(String cidr) {
        String[] parts = cidr.strip().split("/", -1);
        if (parts.length != 2 || !IpAddresses.isValid(parts[0])) {
            throw new IllegalArgumentException("'" + cidr.strip() + "' is not a CIDR like 10.43.0.0/16");
        }
        int prefix;
        try {
            prefix = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + cidr.strip() + "' is not a CIDR like 10.43.0.0/16");
        }
        return new ServiceCidr(literal(parts[0]), prefix);
    }

    public int bits() {
        return network.getAddress().length * 8;
    }

    /** How many addresses the range spans, network and broadcast included. */
    public BigInteger addresses() {
        return BigInteger.ONE.shiftLeft(bits() - prefix);
    }

    /** The first address after the network address: the kubernetes service's. */
    public InetAddress first() {
        return address(BigInteger.ONE);
    }

    /** The address {@code offset} past the network address. */
    public InetAddress address(BigInteger offset) {
        return at(toNumber(network).add(offset), network.getAddress().length);
    }

    /** How far {@code ip} is past the network address; negative or at least {@link #addresses()} when outside. */
    public BigInteger offsetOf(InetAddress ip) {
        if (ip.getAddress().length != network.getAddress().length) {
            return BigInteger.ONE.negate();
        }
        return toNumber(ip).subtract(toNumber(network));
    }

    /** An IP literal, never looked up; null when {@code ip} is not one. */
    static InetAddress literal(String ip) {
        if (!IpAddresses.isValid(ip)) {
            return null;
        }
        try {
            return InetAddress.getByName(ip);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    @Override
    public String toString() {
        return network.getHostAddress() + "/" + prefix;
    }

    private static BigInteger toNumber(InetAddress ip) {
        return new BigInteger(1, ip.getAddress());
    }

    private static InetAddress at(BigInteger value, int length) {
        byte[] raw = value.toByteArray();
        byte[] bytes = new byte[length];
        int copy = Math.min(raw.length, length);
        System.arraycopy(raw, raw.length - copy, bytes, length - copy, copy);
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
