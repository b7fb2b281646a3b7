package dev.skiff.cli;

import dev.skiff.registry.core.service.ipallocator.ServiceCidr;
import dev.skiff.registry.core.service.portallocator.PortRange;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.net.URI;
import java.time.Duration;
import java.util.regex.Pattern;
import java.util.ArrayList;
import java.util.List;

/** Checks of flag values that picocli's type conversion cannot express. */
public final class Flags {
    private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|ms|s|m|h)");

    private Flags() {
    }

    /** A duration as Go's time.ParseDuration takes it (what upstream flags take): 300ms, 30s, 5m, 1h30m, 1.5h. */
    public static Duration duration(String flag, String value) {
        var m = DURATION_PART.matcher(value);
        double nanos = 0;
        int at = 0;
        while (m.find() && m.start() == at) {
            double n = Double.parseDouble(m.group(1));
            nanos += n * switch (m.group(2)) {
                case "ns" -> 1d;
                case "us" -> 1e3;
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                default -> 3600e9;
            };
            at = m.end();
        }
        if (at == 0 || at != value.length()) {
            throw new UsageException("invalid value for " + flag + ": '" + value + "' is not a duration like 30s, 5m or 1h");
        }
        return Duration.ofNanos((long) nanos);
    }

    public static int port(String flag, int port, boolean zeroAllowed) {
        if (port < (zeroAllowed ? 0 : 1) || port > 65535) {
            throw new UsageException("invalid value for " + flag + ": " + port + " is not a port (1-65535)");
        }
        return port;
    }

    /** Parses a comma-separated list of http(s)://host:port endpoints, as etcd's client URLs. */
    public static List<URI> endpoints(String flag, String value) {
        var result = new ArrayList<URI>();
        for (String part : value.split(",")) {
            result.add(endpoint(flag, part.trim()));
        }
        return List.copyOf(result);
    }

    public static URI endpoint(String flag, String value) {
        URI uri;
        try {
            uri = new URI(value);
        } catch (Exception e) {
            throw new UsageException("invalid value for " + flag + ": '" + value + "' is not a URL");
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 0) {
            throw new UsageException("invalid value for " + flag + ": '" + value + "' must look like http://host:port");
        }
        return uri;
    }

    public static InetSocketAddress listenAddress(String flag, String value) {
        URI uri = endpoint(flag, value);
        if (!"http".equals(uri.getScheme())) {
            throw new UsageException("invalid value for " + flag + ": only http:// is served (TLS comes with the API server)");
        }
        return new InetSocketAddress(uri.getHost(), uri.getPort());
    }

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern OCTAL_MODE = Pattern.compile("0?[0-7]{3}");

    /** An IP address literal (v4 or v6), never a name to look up. */
    public static InetAddress ipAddress(String flag, String value) {
        boolean v4 = IPV4.matcher(value).matches();
        // octets checked here: InetAddress would take "300.1.1.1" for a host name and look it up
        if (!v4 && !value.contains(":") || v4 && java.util.Arrays.stream(value.split("\\.")).anyMatch(o -> Integer.parseInt(o) > 255)) {
            throw new UsageException("invalid value for " + flag + ": '" + value + "' is not an IP address");
        }
        try {
            var address = InetAddress.getByName(value);
            if (v4 && !address.getHostAddress().equals(value)) {
                throw new UnknownHostException(value);
            }
            return address;
        } catch (UnknownHostException e) {
            throw new UsageException("invalid value for " + flag + ": '" + value + "' is not an IP address");
        }
    }

    /**
     * The first usable address of a CIDR such as 10.43.0.0/16 (the kubernetes service IP, as
     * upstream takes it from --service-cluster-ip-range); of the first CIDR when dual-stack.
     */
    public static InetAddress firstAddress(String flag, String value) {
        InetAddress first = null;
        for (String cidr : value.split(",")) {
            String[] parts = cidr.strip().split("/", -1);
            if (parts.length != 2) {
                throw new UsageException("invalid value for " + flag + ": '" + cidr.strip() + "' is not a CIDR like 10.43.0.0/16");
            }
            var network = ipAddress(flag, parts[0]);
            int bits = network.getAddress().length * 8;
            int prefix;
            try {
                prefix = Integer.parseInt(parts[1]);
            } catch (NumberFormatException e) {
                prefix = -1;
            }
            if (prefix < 0 || prefix > bits - 2) {
                throw new UsageException("invalid value for " + flag + ": '" + cidr.strip() + "' needs a prefix length from 0 to " + (bits - 2));
            }
            byte[] bytes = network.getAddress();
            for (int bit = prefix; bit < bits; bit++) {
                bytes[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
            }
            bytes[bytes.length - 1] |= 1;
            if (first == null) {
                try {
                    first = InetAddress.getByAddress(bytes);
                } catch (UnknownHostException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return first;
    }

    /** The service range services get cluster IPs from: the first CIDR of the list (single-stack). */
    public static ServiceCidr serviceCidr(String flag, String value) {
        firstAddress(flag, value); // checks every CIDR of the list
        return ServiceCidr.parse(value.split(",")[0]);
    }

    /** A port range such as 30000-32767 or 30000+2767. */
    public static PortRange portRange(String flag, String value) {
        try {
            return PortRange.parse(value);
        } catch (IllegalArgumentException e) {
            throw new UsageException("invalid value for " + flag + ": " + e.getMessage());
        }
    }

    /** An octal file mode such as 0600 or 644. */
    public static Set<PosixFilePermission> fileMode(String flag, String value) {
        if (!OCTAL_MODE.matcher(value).matches()) {
            throw new UsageException("invalid value for " + flag + ": '" + value + "' is not an octal file mode like 0600");
        }
        var symbolic = new StringBuilder();
        for (char digit : value.substring(value.length() - 3).toCharArray()) {
            int d = digit - '0';
            symbolic.append((d & 4) != 0 ? 'r' : '-').append((d & 2) != 0 ? 'w' : '-').append((d & 1) != 0 ? 'x' : '-');
        }
        return PosixFilePermissions.fromString(symbolic.toString());
    }

    /** An IPv4 CIDR such as 10.42.0.0/16 (pod and cluster ranges; the proxy programs IPv4 only). */
    public static String ipv4Cidr(String flag, String value) {
        String[] parts = value.split("/", -1);
        if (parts.length != 2 || !IPV4.matcher(parts[0]).matches() || !parts[1].matches("\\d{1,2}") || Integer.parseInt(parts[1]) > 32) {
            throw new UsageException("invalid value for " + flag + ": '" + value + "' is not an IPv4 CIDR like 10.42.0.0/16");
        }
        ipAddress(flag, parts[0]); // octets in range
        return value;
    }

    public static int nonNegative(String flag, int value) {
        if (value < 0) {
            throw new UsageException("invalid value for " + flag + ": " + value + " (0 or more; 0 means no limit)");
        }
        return value;
    }
}
