package dev.skiff.apiserver.pki;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** The names a serving certificate must carry, split into DNS names and IP addresses. */
public record SubjectAltNames(Set<String> dnsNames, Set<InetAddress> ips) {
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final int SAN_DNS = 2;
    private static final int SAN_IP = 7;

    public SubjectAltNames {
        dnsNames = Set.copyOf(dnsNames);
        ips = Set.copyOf(ips);
    }

    /**
     * What kube-apiserver's serving certificate needs: localhost and loopback, every host address,
     * the kubernetes service IP and its DNS names, and the operator's extra names (IP literals or
     * DNS names).
     */
    public static SubjectAltNames forApiServer(Collection<InetAddress> hostAddresses, InetAddress serviceIp,
                                               String clusterDomain, Collection<String> extra) {
        var dns = new LinkedHashSet<String>(List.of("localhost", "kubernetes", "kubernetes.default",
                "kubernetes.default.svc", "kubernetes.default.svc." + clusterDomain));
        var ips = new LinkedHashSet<InetAddress>();
        ips.add(literal("127.0.0.1"));
        ips.add(literal("::1"));
        ips.add(serviceIp);
        ips.addAll(hostAddresses);
        for (String name : extra) {
            if (isIpLiteral(name)) {
                ips.add(literal(name));
            } else {
                dns.add(name.toLowerCase(Locale.ROOT));
            }
        }
        return new SubjectAltNames(dns, ips);
    }

    /** This host's addresses other than loopback and IPv6 link-local (which need a zone to be reached). */
    public static List<InetAddress> hostAddresses() {
        var result = new ArrayList<InetAddress>();
        try {
            for (var nic : NetworkInterface.networkInterfaces().toList()) {
                if (!isUp(nic)) {
                    continue;
                }
                nic.inetAddresses()
                        .filter(a -> !a.isLoopbackAddress() && !a.isLinkLocalAddress() && !a.isAnyLocalAddress())
                        .map(a -> literal(a.getHostAddress().replaceFirst("%.*$", "")))
                        .forEach(result::add);
            }
        } catch (SocketException e) {
            throw new IllegalStateException("cannot list this host's addresses: " + e.getMessage(), e);
        }
        return result;
    }

    /** Whether the interface is up; one that vanished since it was listed (a pod's veth torn down meanwhile) is not. */
    private static boolean isUp(NetworkInterface nic) {
        try {
            return nic.isUp();
        } catch (SocketException e) {
            return false;
        }
    }

    /** The names a certificate carries now, to decide whether it must be issued again. */
    static SubjectAltNames of(X509Certificate certificate) {
        var dns = new LinkedHashSet<String>();
        var ips = new LinkedHashSet<InetAddress>();
        try {
            var names = certificate.getSubjectAlternativeNames();
            if (names != null) {
                for (List<?> name : names) {
                    int type = (Integer) name.get(0);
                    if (type == SAN_DNS) {
                        dns.add(((String) name.get(1)).toLowerCase(Locale.ROOT));
                    } else if (type == SAN_IP) {
                        ips.add(literal((String) name.get(1)));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            return new SubjectAltNames(Set.of(), Set.of());
        }
        return new SubjectAltNames(dns, ips);
    }

    public static boolean isIpLiteral(String name) {
        return name.contains(":") || IPV4.matcher(name).matches();
    }

    /** An address from an IP literal; never a DNS lookup. */
    public static InetAddress literal(String ip) {
        if (!isIpLiteral(ip)) {
            throw new IllegalArgumentException("not an IP address: " + ip);
        }
        try {
            return InetAddress.getByName(ip);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + ip, e);
        }
    }
}
