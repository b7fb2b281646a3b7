package dev.skiff.dns;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.DatagramChannel;

/**
 * A UDP channel and a TCP server socket bound to one address and port, as a DNS server listens. With
 * port 0 the UDP side picks a free port and TCP takes the same number; another process may hold that
 * number on TCP, so a few fresh UDP ports are tried before giving up.
 */
record Listeners(DatagramChannel udp, ServerSocket tcp) {
    private static final int FREE_PORT_ATTEMPTS = 16;

    static Listeners bind(InetSocketAddress listen) throws IOException {
        int attempts = listen.getPort() == 0 ? FREE_PORT_ATTEMPTS : 1;
        for (int attempt = 1; ; attempt++) {
            DatagramChannel udp = DatagramChannel.open();
            try {
                udp.bind(listen);
                int port = ((InetSocketAddress) udp.getLocalAddress()).getPort();
                var tcp = new ServerSocket();
                try {
                    tcp.setReuseAddress(true);
                    tcp.bind(new InetSocketAddress(listen.getAddress(), port), 128);
                } catch (IOException e) {
                    tcp.close();
                    throw e;
                }
                return new Listeners(udp, tcp);
            } catch (BindException e) {
                udp.close();
                if (attempt >= attempts) {
                    throw e;
                }
            } catch (IOException | RuntimeException e) {
                udp.close();
                throw e;
            }
        }
    }
}
