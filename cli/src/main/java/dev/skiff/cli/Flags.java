package dev.skiff.cli;

import java.net.InetSocketAddress;
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
}
