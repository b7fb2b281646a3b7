package dev.skiff.dns;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * A small authoritative DNS server on loopback (UDP and TCP on one free port) standing in for the host's
 * resolver in forwarding tests: it answers the records it was given, NXDOMAIN otherwise, and counts the
 * questions it got per transport.
 */
final class UpstreamServer implements AutoCloseable {
    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final Map<String, List<Record>> records = new ConcurrentHashMap<>();
    final AtomicInteger udpQueries = new AtomicInteger();
    final AtomicInteger tcpQueries = new AtomicInteger();

    UpstreamServer() throws IOException {
        var listeners = Listeners.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        udp = listeners.udp().socket();
        tcp = listeners.tcp();
        Thread.ofVirtual().start(this::serveUdp);
        Thread.ofVirtual().start(this::serveTcp);
    }

    InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), udp.getLocalPort());
    }

    void add(Record record) {
        records.computeIfAbsent(key(record), k -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(record);
    }

    private static String key(Record r) {
        return r.getName().toString().toLowerCase() + "/" + Type.string(r.getType());
    }

    private byte[] answer(byte[] packet, int limit) throws IOException {
        Message query = new Message(packet);
        Message response = new Message(query.getHeader().getID());
        response.getHeader().setFlag(Flags.QR);
        response.getHeader().setFlag(Flags.RA);
        response.addRecord(query.getQuestion(), Section.QUESTION);
        List<Record> found = records.get(key(query.getQuestion()));
        if (found == null) {
            response.getHeader().setRcode(Rcode.NXDOMAIN);
        } else {
            found.forEach(r -> response.addRecord(r, Section.ANSWER));
        }
        return response.toWire(limit);
    }

    private void serveUdp() {
        byte[] buffer = new byte[65535];
        while (!udp.isClosed()) {
            try {
                var packet = new DatagramPacket(buffer, buffer.length);
                udp.receive(packet);
                udpQueries.incrementAndGet();
                byte[] response = answer(java.util.Arrays.copyOf(packet.getData(), packet.getLength()), 512);
                udp.send(new DatagramPacket(response, response.length, packet.getSocketAddress()));
            } catch (IOException e) {
                // closed, or a packet that is no DNS message
            }
        }
    }

    private void serveTcp() {
        while (!tcp.isClosed()) {
            try (Socket s = tcp.accept()) {
                var in = new DataInputStream(s.getInputStream());
                var out = new DataOutputStream(s.getOutputStream());
                byte[] query = in.readNBytes(in.readUnsignedShort());
                tcpQueries.incrementAndGet();
                byte[] response = answer(query, 65535);
                out.writeShort(response.length);
                out.write(response);
                out.flush();
            } catch (IOException e) {
                // closed
            }
        }
    }

    @Override
    public void close() throws IOException {
        udp.close();
        tcp.close();
    }
}
