package dev.skiff.registry.core.service.portallocator;

/** A node port range such as 30000-32767 (--service-node-port-range), both ends included. */
public record PortRange(int base, int size) {
    public static final PortRange DEFAULT = parse("30000-32767");

    public PortRange {
        if (base < 1 || size < 1 || base + size - 1 > 65535) {
            throw new IllegalArgumentException("'" + base + "-" + (base + size - 1) + "' is not a port range within 1-65535");
        }
    }

    /** "low-high", or "low+n" for n ports past low, as upstream's net.ParsePortRange; a single port is a range of one. */
    public static PortRange parse(String value) {
        String text = value.strip();
        try {
            int plus = text.indexOf('+');
            int dash = text.indexOf('-');
            if (plus > 0) {
                int low = Integer.parseInt(text.substring(0, plus));
                return new PortRange(low, Integer.parseInt(text.substring(plus + 1)) + 1);
            }
            if (dash > 0) {
                int low = Integer.parseInt(text.substring(0, dash));
                int high = Integer.parseInt(text.substring(dash + 1));
                if (high < low) {
                    throw new IllegalArgumentException("'" + text + "' ends before it starts");
                }
                return new PortRange(low, high - low + 1);
            }
            return new PortRange(Integer.parseInt(text), 1);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a port range like 30000-32767");
        }
    }

    public boolean contains(int port) {
        return port >= base && port < base + size;
    }

    @Override
    public String toString() {
        return base + "-" + (base + size - 1);
    }
}
