package dev.skiff.dns.forward;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ForwarderTest {
    @TempDir
    Path dir;

    private Path file(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text);
    }

    @Test
    void hostResolversAreTheNameserversOfResolvConf() throws Exception {
        Path conf = file("resolv.conf", "# comment\nsearch example.org\nnameserver 192.0.2.53\nnameserver 2001:db8::53\noptions ndots:2\n");
        assertThat(Forwarder.hostResolvers(conf, dir.resolve("missing"), new InetSocketAddress("192.0.2.2", 53)))
                .containsExactly(new InetSocketAddress("192.0.2.53", 53), new InetSocketAddress("2001:db8::53", 53));
    }

    @Test
    void onlyLoopbackResolversGiveWayToSystemdResolvedsUpstreams() throws Exception {
        Path stub = file("resolv.conf", "nameserver 127.0.0.53\noptions edns0 trust-ad\n");
        Path systemd = file("systemd-resolv.conf", "nameserver 192.0.2.53\n");
        var self = new InetSocketAddress("192.0.2.2", 53);
        assertThat(Forwarder.hostResolvers(stub, systemd, self)).containsExactly(new InetSocketAddress("192.0.2.53", 53));
        // without the systemd file the stub is kept: in the host's namespace it is the host's resolver, not this server
        assertThat(Forwarder.hostResolvers(stub, dir.resolve("missing"), self)).containsExactly(new InetSocketAddress("127.0.0.53", 53));
    }

    @Test
    void theServersOwnAddressIsNeverAnUpstream() throws Exception {
        Path conf = file("resolv.conf", "nameserver 192.0.2.2\nnameserver 127.0.0.1\nnameserver 192.0.2.53\n");
        assertThat(Forwarder.hostResolvers(conf, null, new InetSocketAddress("192.0.2.2", 53)))
                .containsExactly(new InetSocketAddress("127.0.0.1", 53), new InetSocketAddress("192.0.2.53", 53));
        // listening on all addresses: loopback resolvers and this host's own addresses on the same port are this server too
        String own = ownAddress();
        Path wildcard = file("wildcard.conf", "nameserver 127.0.0.1\nnameserver " + own + "\nnameserver 198.51.100.53\nnameserver 127.0.0.1\n");
        assertThat(Forwarder.hostResolvers(wildcard, null, new InetSocketAddress("0.0.0.0", 53)))
                .containsExactly(new InetSocketAddress("198.51.100.53", 53));
        assertThat(Forwarder.hostResolvers(wildcard, null, new InetSocketAddress("0.0.0.0", 5353)))
                .containsExactly(new InetSocketAddress("127.0.0.1", 53), new InetSocketAddress(own, 53), new InetSocketAddress("198.51.100.53", 53));
        assertThat(Forwarder.hostResolvers(dir.resolve("missing"), null, new InetSocketAddress("0.0.0.0", 53))).isEmpty();
    }

    /** An address of one of this host's interfaces (loopback when it has no other). */
    private static String ownAddress() throws Exception {
        for (var iface : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
            for (var address : java.util.Collections.list(iface.getInetAddresses())) {
                if (address instanceof java.net.Inet4Address && !address.isLoopbackAddress()) {
                    return address.getHostAddress();
                }
            }
        }
        return "127.0.0.2";
    }
}
