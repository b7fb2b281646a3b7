package dev.skiff.agent.probe.tcp;

import dev.skiff.agent.probe.ProbeOutcome;
import dev.skiff.agent.probe.Probes;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;

/** The tcpSocket probe (upstream: pkg/probe/tcp): success when a TCP connection opens within the timeout; closed at once. */
public final class TcpProber {
    private TcpProber() {
    }

    public static ProbeOutcome probe(String host, int port, Duration timeout) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), (int) Math.max(1, timeout.toMillis()));
            return ProbeOutcome.success("");
        } catch (IOException e) {
            return ProbeOutcome.failure(Probes.dialError(host, port, e));
        }
    }
}
