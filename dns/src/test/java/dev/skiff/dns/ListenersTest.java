package dev.skiff.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.DatagramChannel;
import org.junit.jupiter.api.Test;

class ListenersTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @Test
    void portZeroGivesUdpAndTcpTheSamePort() throws Exception {
        var listeners = Listeners.bind(new InetSocketAddress(LOOPBACK, 0));
        try {
            int udpPort = ((InetSocketAddress) listeners.udp().getLocalAddress()).getPort();
            assertThat(udpPort).isPositive().isEqualTo(listeners.tcp().getLocalPort());
        } finally {
            listeners.udp().close();
            listeners.tcp().close();
        }
    }

    @Test
    void aTakenTcpPortFailsAGivenPortAndLeavesItsUdpSideFree() throws Exception {
        try (var taken = new ServerSocket(0, 1, LOOPBACK)) {
            var address = new InetSocketAddress(LOOPBACK, taken.getLocalPort());
            assertThatThrownBy(() -> Listeners.bind(address)).isInstanceOf(BindException.class);
            try (var udp = DatagramChannel.open()) {
                udp.bind(address); // the failed attempt released its UDP socket
                assertThat(((InetSocketAddress) udp.getLocalAddress()).getPort()).isEqualTo(taken.getLocalPort());
            }
        }
    }

    @Test
    void portZeroTriesAnotherPortWhenTcpIsTaken() throws Exception {
        // Hold TCP on many ports so that some UDP picks of the kernel collide; binding still succeeds.
        var held = new java.util.ArrayList<ServerSocket>();
        try {
            for (int i = 0; i < 2000; i++) {
                held.add(new ServerSocket(0, 1, LOOPBACK));
            }
            for (int i = 0; i < 50; i++) {
                var listeners = Listeners.bind(new InetSocketAddress(LOOPBACK, 0));
                assertThat(listeners.tcp().getLocalPort())
                        .isEqualTo(((InetSocketAddress) listeners.udp().getLocalAddress()).getPort());
                listeners.udp().close();
                listeners.tcp().close();
            }
        } finally {
            for (var s : held) {
                s.close();
            }
        }
    }
}
