package dev.skiff.registry.core.service.ipallocator;

import dev.skiff.registry.core.service.allocator.AllocationBitmap;
import dev.skiff.registry.core.service.allocator.AllocationResult;
import java.math.BigInteger;
import java.net.InetAddress;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * Service cluster IPs out of one {@link ServiceCidr}, as upstream's ipallocator.Range: the network
 * address is never handed out, nor an IPv4 range's broadcast address; the first usable address
 * belongs to the {@code kubernetes} service, so it is only given on request. Ranges past 2^24
 * addresses use their first 2^24 (a bitmap of 2 MiB).
 */
public final class IpAllocator {
    static final int MAX_SIZE = 1 << 24;
    private final ServiceCidr cidr;
    private final AllocationBitmap bitmap;

    public IpAllocator(ServiceCidr cidr, RandomGenerator random) {
        this.cidr = cidr;
        BigInteger usable = cidr.addresses().subtract(BigInteger.valueOf(cidr.bits() == 32 ? 2 : 1));
        int size = usable.min(BigInteger.valueOf(MAX_SIZE)).intValueExact();
        // offset 0 is the first usable address (network + 1): the kubernetes service's, never handed out
        this.bitmap = new AllocationBitmap(size, 1, AllocationBitmap.staticBand(size, 16, 256, 16), random);
    }

    public ServiceCidr cidr() {
        return cidr;
    }

    /** Takes {@code ip} (an IP literal). */
    public AllocationResult allocate(String ip) {
        int offset = offsetOf(ip);
        if (offset < 0) {
            return AllocationResult.NOT_IN_RANGE;
        }
        return bitmap.allocate(offset) ? AllocationResult.ALLOCATED : AllocationResult.ALREADY_ALLOCATED;
    }

    /** A free address, empty when the range is full. */
    public Optional<String> allocateNext() {
        var offset = bitmap.allocateNext();
        return offset.isPresent() ? Optional.of(cidr.address(BigInteger.valueOf(offset.getAsInt() + 1L)).getHostAddress()) : Optional.empty();
    }

    /** Gives {@code ip} back; an address outside the range is ignored. */
    public void release(String ip) {
        int offset = offsetOf(ip);
        if (offset >= 0) {
            bitmap.release(offset);
        }
    }

    public boolean has(String ip) {
        int offset = offsetOf(ip);
        return offset >= 0 && bitmap.has(offset);
    }

    public int free() {
        return bitmap.free();
    }

    /** The bitmap offset of {@code ip}, -1 when it is no address of the range the bitmap covers. */
    private int offsetOf(String ip) {
        InetAddress address = ServiceCidr.literal(ip);
        if (address == null) {
            return -1;
        }
        BigInteger offset = cidr.offsetOf(address).subtract(BigInteger.ONE);
        return offset.signum() < 0 || offset.compareTo(BigInteger.valueOf(bitmap.size())) >= 0 ? -1 : offset.intValueExact();
    }
}
