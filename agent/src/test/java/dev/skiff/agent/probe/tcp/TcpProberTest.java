package dev.skiff.agent.probe.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.agent.probe.ProbeOutcome;
import dev.skiff.agent.probe.Result;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The tcpSocket probe against a real listening socket on loopback. */
class TcpProberTest {
    @Test
    void anOpenPortSucceedsAndAClosedOneFailsAsGoSaysIt() throws Exception {
        int port;
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = server.getLocalPort();
            assertThat(TcpProber.probe("127.0.0.1", port, Duration.ofSeconds(1))).isEqualTo(new ProbeOutcome(Result.SUCCESS, ""));
        }
        assertThat(TcpProber.probe("127.0.0.1", port, Duration.ofSeconds(1)))
                .isEqualTo(new ProbeOutcome(Result.FAILURE, "dial tcp 127.0.0.1:" + port + ": connect: connection refused"));
    }
}
