package dev.skiff.dns.forward;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Message;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.config.ResolvConfResolverConfigProvider;

/**
 * Sends questions outside the cluster zone to the host's resolvers (CoreDNS's {@code forward . /etc/resolv.conf},
 * as k3s configures it): over the transport the client used, so a truncated UDP answer goes back truncated
 * and the client retries over TCP; upstreams tried from a random one on (the forward plugin's default
 * {@code random} policy), each for at most {@code timeout}, the whole question for at most
 * {@link #OVERALL_TIMEOUT}; no answer from any is SERVFAIL, left to the server.
 */
public final class Forwarder {
    private static final Logger log = LoggerFactory.getLogger(Forwarder.class);
    /** How long one forwarded question may take in all (the forward plugin's overall deadline). */
    public static final Duration OVERALL_TIMEOUT = Duration.ofSeconds(5);
    /** How long one upstream is waited for before the next is tried. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);

    private final List<InetSocketAddress> upstreams;
    private final Duration timeout;

    public Forwarder(List<InetSocketAddress> upstreams, Duration timeout) {
        this.upstreams = List.copyOf(upstreams);
        this.timeout = timeout;
    }

    public List<InetSocketAddress> upstreams() {
        return upstreams;
    }

    /** The upstream's answer with the query's id, or null when no upstream answered in time (the caller answers SERVFAIL). */
    public Message forward(Message query, boolean tcp) {
        if (upstreams.isEmpty()) {
            return null;
        }
        Instant deadline = Instant.now().plus(OVERALL_TIMEOUT);
        int start = ThreadLocalRandom.current().nextInt(upstreams.size());
        for (int i = 0; i < upstreams.size() && Instant.now().isBefore(deadline); i++) {
            InetSocketAddress upstream = upstreams.get((start + i) % upstreams.size());
            var resolver = new SimpleResolver(upstream);
            resolver.setTCP(tcp);
            resolver.setIgnoreTruncation(true);
            resolver.setEDNS(-1, 0, 0, List.of()); // pass the client's own OPT record (or none) through unchanged
            Duration left = Duration.between(Instant.now(), deadline);
            resolver.setTimeout(left.compareTo(timeout) < 0 ? left : timeout);
            try {
                Message answer = resolver.send(query.clone());
                answer.getHeader().setID(query.getHeader().getID());
                return answer;
            } catch (IOException e) {
                log.debug("forwarding to upstream={} failed: {}", upstream, e.toString());
            }
        }
        log.info("no upstream answered question={} upstreams={}", query.getQuestion(), upstreams);
        return null;
    }

    /**
     * The name servers of a resolv.conf file, as the host's resolvers. Like k3s, a file that lists only loopback
     * resolvers (systemd-resolved's stub 127.0.0.53) gives way to {@code /run/systemd/resolve/resolv.conf}, which
     * names the real ones, when that exists; {@code self}, the DNS server's own listen address (any of this host's
     * addresses when it listens on all of them), is never an upstream, since forwarding to it would loop.
     */
    public static List<InetSocketAddress> hostResolvers(Path resolvConf, Path systemdResolvConf, InetSocketAddress self) throws IOException {
        List<InetSocketAddress> servers = nameservers(resolvConf);
        if (!servers.isEmpty() && servers.stream().allMatch(s -> s.getAddress().isLoopbackAddress())
                && systemdResolvConf != null && Files.isReadable(systemdResolvConf)) {
            List<InetSocketAddress> systemd = nameservers(systemdResolvConf);
            if (!systemd.isEmpty()) {
                servers = systemd;
            }
        }
        List<InetSocketAddress> upstreams = new ArrayList<>();
        for (InetSocketAddress s : servers) {
            boolean loops = s.getPort() == self.getPort() && (s.getAddress().equals(self.getAddress())
                    || (self.getAddress().isAnyLocalAddress() && isLocal(s.getAddress())));
            if (!loops && !upstreams.contains(s)) {
                upstreams.add(s);
            }
        }
        return upstreams;
    }

    /** Whether {@code address} is one of this host's own (loopback, or an interface's), which a wildcard listener serves too. */
    private static boolean isLocal(java.net.InetAddress address) throws IOException {
        return address.isLoopbackAddress() || address.isAnyLocalAddress() || java.net.NetworkInterface.getByInetAddress(address) != null;
    }

    /** The {@code nameserver} lines of a resolv.conf, parsed by dnsjava's reader of that format; empty for a missing file. */
    static List<InetSocketAddress> nameservers(Path file) throws IOException {
        if (!Files.isReadable(file)) {
            return List.of();
        }
        var parser = new ResolvConfResolverConfigProvider() {
            List<InetSocketAddress> parse(InputStream in) throws IOException {
                parseResolvConf(in);
                return servers();
            }
        };
        try (InputStream in = Files.newInputStream(file)) {
            return parser.parse(in);
        }
    }
}
