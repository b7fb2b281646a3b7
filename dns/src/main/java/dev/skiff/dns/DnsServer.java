package dev.skiff.dns;

import dev.skiff.dns.forward.Forwarder;
import dev.skiff.dns.kubernetes.ClusterRecords;
import dev.skiff.dns.kubernetes.KubernetesZone;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;

/**
 * The cluster DNS server (skiff's CoreDNS): UDP and TCP on one address and port, the cluster zone answered
 * from {@link ClusterRecords}, everything else forwarded ({@link Forwarder}), SERVFAIL when forwarding fails.
 * UDP answers larger than the client's limit (512 bytes, or its EDNS0 payload size) are truncated with the
 * TC bit, so the client asks again over TCP.
 */
public final class DnsServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DnsServer.class);
    /** Idle time after which a TCP connection is closed (CoreDNS's TCP read timeout). */
    static final Duration TCP_IDLE_TIMEOUT = Duration.ofSeconds(10);
    /** How many CNAMEs (ExternalName services naming each other) an answer follows. */
    private static final int MAX_CHASE = 8;
    /** The payload size this server advertises in its own OPT record (the DNS flag day 2020 figure). */
    private static final int EDNS_PAYLOAD = 1232;

    /**
     * @param listen      where to serve UDP and TCP; port 0 picks a free port (the same for both)
     * @param domain      the cluster domain, e.g. {@code cluster.local}
     * @param clusterDns  the DNS service IP (the zone's name server address)
     * @param upstreams   the resolvers questions outside the zone go to
     */
    public record Config(InetSocketAddress listen, String domain, InetAddress clusterDns, long ttl, List<InetSocketAddress> upstreams,
                         Duration forwardTimeout) {
        public Config {
            upstreams = List.copyOf(upstreams);
        }
    }

    private final ClusterRecords records;
    private final KubernetesZone zone;
    private final Forwarder forwarder;
    private final DatagramChannel udp;
    private final ServerSocket tcp;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean closed;

    private DnsServer(ClusterRecords records, KubernetesZone zone, Forwarder forwarder, DatagramChannel udp, ServerSocket tcp) {
        this.records = records;
        this.zone = zone;
        this.forwarder = forwarder;
        this.udp = udp;
        this.tcp = tcp;
    }

    /**
     * Lists services and endpoint slices through {@code client}, binds UDP and TCP, and serves. Throws
     * {@link java.net.BindException} (inside an IOException) when the address cannot be bound.
     */
    public static DnsServer start(KubernetesClient client, Config config) throws IOException, InterruptedException {
        Name domain = domainName(config.domain());
        var records = ClusterRecords.start(client, domain, Duration.ofMinutes(1));
        Listeners listeners = null;
        try {
            listeners = Listeners.bind(config.listen());
            var server = new DnsServer(records, new KubernetesZone(records, domain, config.clusterDns(), config.ttl()),
                    new Forwarder(config.upstreams(), config.forwardTimeout()), listeners.udp(), listeners.tcp());
            server.threads.add(Thread.ofPlatform().name("dns-udp").daemon().start(server::serveUdp));
            server.threads.add(Thread.ofPlatform().name("dns-tcp").daemon().start(server::serveTcp));
            log.info("cluster DNS serving address={}:{} domain={} upstreams={}", server.address().getAddress().getHostAddress(), server.address().getPort(),
                    config.domain(), config.upstreams().stream().map(u -> u.getAddress().getHostAddress() + ":" + u.getPort()).toList());
            return server;
        } catch (IOException | RuntimeException e) {
            if (listeners != null) {
                listeners.udp().close();
                listeners.tcp().close();
            }
            records.close();
            throw e;
        }
    }

    /** The cluster domain as an absolute name; a clear error for one that is not a domain name. */
    public static Name domainName(String domain) {
        try {
            Name name = Name.fromString(domain, Name.root);
            if (domain.isEmpty() || name.labels() < 2) {
                throw new IllegalArgumentException("invalid cluster domain '" + domain + "'");
            }
            return name;
        } catch (TextParseException e) {
            throw new IllegalArgumentException("invalid cluster domain '" + domain + "': " + e.getMessage());
        }
    }

    /** The address UDP and TCP are served on. */
    public InetSocketAddress address() {
        return new InetSocketAddress(tcp.getInetAddress(), tcp.getLocalPort());
    }

    private void serveUdp() {
        ByteBuffer buffer = ByteBuffer.allocate(65535);
        while (!closed) {
            SocketAddress client;
            byte[] packet;
            try {
                buffer.clear();
                client = udp.receive(buffer);
                buffer.flip();
                packet = new byte[buffer.remaining()];
                buffer.get(packet);
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    log.warn("dns udp receive failed: {}", e.toString());
                }
                continue;
            }
            Thread.ofVirtual().start(() -> {
                byte[] response = handle(packet, false);
                if (response != null) {
                    try {
                        udp.send(ByteBuffer.wrap(response), client);
                    } catch (IOException e) {
                        log.debug("dns udp send to {} failed: {}", client, e.toString());
                    }
                }
            });
        }
    }

    private void serveTcp() {
        while (!closed) {
            Socket connection;
            try {
                connection = tcp.accept();
            } catch (IOException e) {
                if (!closed) {
                    log.warn("dns tcp accept failed: {}", e.toString());
                }
                continue;
            }
            Thread.ofVirtual().start(() -> serveConnection(connection));
        }
    }

    /** Length-prefixed messages (RFC 1035 4.2.2), answered in order until the client closes or idles. */
    private void serveConnection(Socket connection) {
        try (connection) {
            connection.setSoTimeout((int) TCP_IDLE_TIMEOUT.toMillis());
            var in = new DataInputStream(connection.getInputStream());
            var out = new DataOutputStream(connection.getOutputStream());
            while (!closed) {
                int length = in.readUnsignedShort();
                byte[] packet = in.readNBytes(length);
                if (packet.length < length) {
                    return;
                }
                byte[] response = handle(packet, true);
                if (response == null) {
                    return;
                }
                out.writeShort(response.length);
                out.write(response);
                out.flush();
            }
        } catch (EOFException | SocketTimeoutException e) {
            // client done or idle
        } catch (IOException e) {
            log.debug("dns tcp connection failed: {}", e.toString());
        }
    }

    /** The wire answer to a wire query, or null to drop a packet too broken to answer. */
    byte[] handle(byte[] packet, boolean overTcp) {
        Message query;
        try {
            query = new Message(packet);
        } catch (IOException e) {
            return formatError(packet);
        }
        if (query.getHeader().getFlag(Flags.QR)) {
            return null; // a response, not a query
        }
        Message response = resolve(query, overTcp);
        OPTRecord opt = query.getOPT();
        int limit = overTcp ? 65535 : opt == null ? 512 : Math.max(512, opt.getPayloadSize());
        if (opt != null && response.getOPT() == null) {
            response.addRecord(new OPTRecord(EDNS_PAYLOAD, 0, 0), Section.ADDITIONAL);
        }
        return response.toWire(limit);
    }

    /** The answer to one query: the zone's, else the upstream's; SERVFAIL when forwarding found no answer. */
    Message resolve(Message query, boolean overTcp) {
        Record question = query.getQuestion();
        if (query.getHeader().getOpcode() != Opcode.QUERY) {
            return reply(query, Rcode.NOTIMP);
        }
        if (question == null) {
            return reply(query, Rcode.FORMERR);
        }
        KubernetesZone.Answer answer = zone.answer(question.getName(), question.getType());
        if (answer == null) {
            Message forwarded = forwarder.forward(query, overTcp);
            return forwarded != null ? forwarded : reply(query, Rcode.SERVFAIL);
        }
        Message response = reply(query, answer.rcode());
        response.getHeader().setFlag(Flags.AA);
        answer.answers().forEach(r -> response.addRecord(r, Section.ANSWER));
        answer.authority().forEach(r -> response.addRecord(r, Section.AUTHORITY));
        answer.additional().forEach(r -> response.addRecord(r, Section.ADDITIONAL));
        Name target = answer.chase();
        for (int depth = 0; target != null && depth < MAX_CHASE; depth++) {
            target = chase(query, target, question.getType(), overTcp, response);
        }
        return response;
    }

    /** Resolves {@code target} (a CNAME's) for {@code type} and appends its answers; the next CNAME target to follow, or null. */
    private Name chase(Message query, Name target, int type, boolean overTcp, Message response) {
        KubernetesZone.Answer next = zone.answer(target, type);
        if (next != null) {
            next.answers().forEach(r -> response.addRecord(r, Section.ANSWER));
            return next.chase();
        }
        Message sub = Message.newQuery(Record.newRecord(target, type, query.getQuestion().getDClass()));
        sub.getHeader().setFlag(Flags.RD);
        Message upstream = forwarder.forward(sub, overTcp);
        if (upstream != null && upstream.getRcode() == Rcode.NOERROR) {
            upstream.getSection(Section.ANSWER).forEach(r -> response.addRecord(r, Section.ANSWER));
        }
        return null;
    }

    private static Message reply(Message query, int rcode) {
        Message response = new Message(query.getHeader().getID());
        var header = response.getHeader();
        header.setFlag(Flags.QR);
        header.setOpcode(query.getHeader().getOpcode());
        if (query.getHeader().getFlag(Flags.RD)) {
            header.setFlag(Flags.RD);
        }
        header.setRcode(rcode);
        if (query.getQuestion() != null) {
            response.addRecord(query.getQuestion(), Section.QUESTION);
        }
        return response;
    }

    /** FORMERR for a query whose header could be read, else nothing (RFC 1035: a packet too short for a header is dropped). */
    private static byte[] formatError(byte[] packet) {
        if (packet.length < 12) {
            return null;
        }
        Message response = new Message(((packet[0] & 0xff) << 8) | (packet[1] & 0xff));
        response.getHeader().setFlag(Flags.QR);
        response.getHeader().setRcode(Rcode.FORMERR);
        return response.toWire();
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        try {
            udp.close();
            tcp.close();
        } catch (IOException e) {
            log.debug("closing dns sockets: {}", e.toString());
        }
        for (Thread t : threads) {
            t.join();
        }
        records.close();
    }
}
