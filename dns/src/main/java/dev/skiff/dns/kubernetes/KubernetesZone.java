package dev.skiff.dns.kubernetes;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/**
 * The cluster zone as CoreDNS's kubernetes plugin serves it under the Kubernetes DNS specification
 * (schema 1.1.0), in {@code pods insecure} mode with {@code fallthrough in-addr.arpa ip6.arpa}
 * as k3s configures it:
 * <ul>
 * <li>{@code <svc>.<ns>.svc.<domain>}: A/AAAA the ClusterIPs, or for a headless service every published
 *     endpoint's address; an ExternalName service is a CNAME to its externalName</li>
 * <li>{@code <endpoint>.<svc>.<ns>.svc.<domain>}: the endpoint whose hostname (or dashed address) is {@code <endpoint>}</li>
 * <li>{@code _<port>._<proto>.<svc>.<ns>.svc.<domain>}: SRV per matching port (per endpoint for a headless service),
 *     the targets' addresses in the additional section; SRV on the service name lists every port</li>
 * <li>{@code <a-b-c-d>.<ns>.pod.<domain>}: A (AAAA for dashed IPv6) of the address in the name, if the namespace exists</li>
 * <li>PTR of a ClusterIP or endpoint address; reverse names of any other address are not the zone's (forwarded)</li>
 * <li>{@code dns-version.<domain>} TXT, the apex's SOA and NS, {@code ns.dns.<domain>} A</li>
 * </ul>
 * A name that exists without records of the asked type is NODATA (NOERROR, SOA in authority); a name that
 * does not exist is NXDOMAIN, as CoreDNS answers: a service, endpoint or port that matches nothing, a
 * headless service without published endpoints, an unknown namespace, more labels than the schema has.
 */
public final class KubernetesZone {
    /** The kubernetes plugin's default TTL (its {@code ttl} option) for every record it serves. */
    public static final long DEFAULT_TTL = 5;
    /** The version of the Kubernetes DNS specification served, answered at {@code dns-version.<domain>}. */
    public static final String SCHEMA_VERSION = "1.1.0";

    private final ClusterRecords records;
    private final Name domain;
    private final InetAddress dnsIp;
    private final long ttl;
    private final Name nsName;
    private final Name hostmaster;

    /**
     * @param dnsIp the cluster DNS service IP, the address of the zone's name server {@code ns.dns.<domain>}
     */
    public KubernetesZone(ClusterRecords records, Name domain, InetAddress dnsIp, long ttl) {
        this.records = records;
        this.domain = domain;
        this.dnsIp = dnsIp;
        this.ttl = ttl;
        try {
            this.nsName = Name.concatenate(Name.fromString("ns.dns", null), domain);
            this.hostmaster = Name.concatenate(Name.fromString("hostmaster", null), domain);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("invalid cluster domain " + domain, e);
        }
    }

    /**
     * One answer of the zone. {@code chase} is the CNAME target whose {@code qtype} records the server resolves
     * and appends (an ExternalName service), else null.
     */
    public record Answer(int rcode, List<Record> answers, List<Record> authority, List<Record> additional, Name chase) {
    }

    /** The zone's answer to a question, or null when the name is not the zone's (the server forwards it). */
    public Answer answer(Name qname, int qtype) {
        if (qname.subdomain(domain)) {
            return inDomain(qname, qtype);
        }
        if (qtype == Type.PTR) {
            InetAddress ip = reverseAddress(qname);
            if (ip != null) {
                List<Name> names = records.reverse(ip);
                if (!names.isEmpty()) {
                    List<Record> answers = new ArrayList<>();
                    names.forEach(n -> answers.add(new PTRRecord(qname, DClass.IN, ttl, n)));
                    return new Answer(Rcode.NOERROR, answers, List.of(), List.of(), null);
                }
            }
        }
        return null;
    }

    private Answer inDomain(Name qname, int qtype) {
        int k = qname.labels() - domain.labels();
        String[] rel = new String[k];
        for (int i = 0; i < k; i++) {
            rel[i] = qname.getLabelString(i).toLowerCase(Locale.ROOT);
        }
        if (k == 0) {
            return switch (qtype) {
                case Type.SOA -> new Answer(Rcode.NOERROR, List.of(soa()), List.of(), List.of(), null);
                case Type.NS -> new Answer(Rcode.NOERROR, List.of(new NSRecord(domain, DClass.IN, ttl, nsName)), List.of(),
                        List.of(address(nsName, dnsIp)), null);
                default -> noData();
            };
        }
        if (k == 1 && rel[0].equals("dns-version")) {
            return qtype == Type.TXT ? records(List.of(new TXTRecord(qname, DClass.IN, ttl, SCHEMA_VERSION))) : noData();
        }
        if (k == 2 && rel[0].equals("ns") && rel[1].equals("dns")) {
            return addresses(qname, qtype, List.of(dnsIp));
        }
        return switch (rel[k - 1]) {
            case "svc" -> service(qname, qtype, rel);
            case "pod" -> pod(qname, qtype, rel);
            default -> nxDomain();
        };
    }

    private Answer pod(Name qname, int qtype, String[] rel) {
        if (rel.length == 1) {
            return noData();
        }
        if (rel.length > 3 || !records.namespaceExists(rel[rel.length - 2])) {
            return nxDomain();
        }
        if (rel.length == 2) {
            return noData();
        }
        String label = rel[0];
        boolean v4 = label.chars().filter(c -> c == '-').count() == 3 && !label.contains("--");
        var ip = ClusterRecords.address(v4 ? label.replace('-', '.') : label.replace('-', ':'));
        if (ip.isEmpty() || (v4 != (ip.get() instanceof Inet4Address))) {
            return nxDomain();
        }
        return addresses(qname, qtype, List.of(ip.get()));
    }

    private Answer service(Name qname, int qtype, String[] rel) {
        int k = rel.length;
        if (k == 1) {
            return noData();
        }
        if (k > 5 || !records.namespaceExists(rel[k - 2])) {
            return nxDomain();
        }
        if (k == 2) {
            return noData();
        }
        ServiceEntry service = records.service(rel[k - 2], rel[k - 3]);
        if (service == null) {
            return nxDomain();
        }
        String endpoint = k == 4 ? rel[0] : null;
        String port = null;
        String protocol = null;
        if (k == 5) {
            if (!rel[0].startsWith("_") || !rel[1].startsWith("_")) {
                return nxDomain();
            }
            port = rel[0].substring(1);
            protocol = rel[1].substring(1);
        }
        if (service.externalName() != null) {
            if (endpoint != null) {
                return nxDomain();
            }
            var cname = new CNAMERecord(qname, DClass.IN, ttl, service.externalName());
            return new Answer(Rcode.NOERROR, List.of(cname), List.of(), List.of(), qtype == Type.CNAME ? null : service.externalName());
        }
        List<Target> targets = targets(service, endpoint, port, protocol);
        if (targets.isEmpty()) {
            return nxDomain();
        }
        if (qtype == Type.SRV) {
            return srv(qname, targets);
        }
        Set<InetAddress> ips = new LinkedHashSet<>();
        targets.forEach(t -> ips.add(t.ip()));
        return addresses(qname, qtype, List.copyOf(ips));
    }

    /** One (address, port, target name) the service yields, CoreDNS's msg.Service; port -1 for an endpoint without ports. */
    private record Target(InetAddress ip, int port, Name name) {
    }

    private static List<Target> targets(ServiceEntry service, String endpoint, String port, String protocol) {
        List<Target> targets = new ArrayList<>();
        if (service.headless() || endpoint != null) {
            for (ServiceEntry.Endpoint e : service.endpoints()) {
                if (endpoint != null && !endpoint.equals(e.label())) {
                    continue;
                }
                if (e.ports().isEmpty() && port == null && protocol == null) {
                    targets.add(new Target(e.ip(), -1, e.name()));
                }
                for (ServiceEntry.Port p : e.ports()) {
                    if (p.matches(port, protocol)) {
                        targets.add(new Target(e.ip(), p.port(), e.name()));
                    }
                }
            }
            return targets;
        }
        for (ServiceEntry.Port p : service.ports()) {
            if (p.matches(port, protocol)) {
                service.clusterIps().forEach(ip -> targets.add(new Target(ip, p.port(), service.name())));
            }
        }
        return targets;
    }

    /** SRV records of priority 0 sharing weight 100 between them (as CoreDNS), the targets' A/AAAA records as additional data. */
    private Answer srv(Name qname, List<Target> targets) {
        List<Record> answers = new ArrayList<>();
        Set<Record> additional = new LinkedHashSet<>();
        List<Target> withPorts = targets.stream().filter(t -> t.port() >= 0).toList();
        int weight = withPorts.isEmpty() ? 0 : Math.max(1, 100 / withPorts.size());
        for (Target t : withPorts) {
            var record = new SRVRecord(qname, DClass.IN, ttl, 0, weight, t.port(), t.name());
            if (!answers.contains(record)) {
                answers.add(record);
            }
            additional.add(address(t.name(), t.ip()));
        }
        return answers.isEmpty() ? noData() : new Answer(Rcode.NOERROR, answers, List.of(), List.copyOf(additional), null);
    }

    private Answer addresses(Name qname, int qtype, List<InetAddress> ips) {
        if (qtype != Type.A && qtype != Type.AAAA && qtype != Type.ANY) {
            return noData();
        }
        List<Record> answers = new ArrayList<>();
        for (InetAddress ip : ips) {
            boolean v6 = ip instanceof Inet6Address;
            if (qtype == Type.ANY || (qtype == Type.AAAA) == v6) {
                answers.add(address(qname, ip));
            }
        }
        return answers.isEmpty() ? noData() : records(answers);
    }

    private Record address(Name name, InetAddress ip) {
        return ip instanceof Inet6Address ? new AAAARecord(name, DClass.IN, ttl, ip) : new ARecord(name, DClass.IN, ttl, ip);
    }

    private Answer records(List<Record> answers) {
        return new Answer(Rcode.NOERROR, answers, List.of(), List.of(), null);
    }

    private Answer noData() {
        return new Answer(Rcode.NOERROR, List.of(), List.of(soa()), List.of(), null);
    }

    private Answer nxDomain() {
        return new Answer(Rcode.NXDOMAIN, List.of(), List.of(soa()), List.of(), null);
    }

    /** The zone's SOA as CoreDNS writes it: serial = last change, refresh 7200, retry 1800, expire 86400, minimum = TTL. */
    private SOARecord soa() {
        return new SOARecord(domain, DClass.IN, ttl, nsName, hostmaster, records.modified() & 0xffffffffL, 7200, 1800, 86400, ttl);
    }

    /** The address a reverse name ({@code d.c.b.a.in-addr.arpa}, 32 nibbles {@code .ip6.arpa}) stands for, or null for a partial one. */
    static InetAddress reverseAddress(Name name) {
        int n = name.labels() - 1; // without the root label
        if (n == 6 && label(name, 4).equals("in-addr") && label(name, 5).equals("arpa")) {
            StringBuilder ip = new StringBuilder();
            for (int i = 3; i >= 0; i--) {
                String octet = label(name, i);
                if (!octet.matches("[0-9]{1,3}") || Integer.parseInt(octet) > 255) {
                    return null;
                }
                ip.append(octet).append(i > 0 ? "." : "");
            }
            return ClusterRecords.address(ip.toString()).orElse(null);
        }
        if (n == 34 && label(name, 32).equals("ip6") && label(name, 33).equals("arpa")) {
            byte[] bytes = new byte[16];
            for (int i = 0; i < 32; i++) {
                String nibble = label(name, i);
                if (!nibble.matches("[0-9a-f]")) {
                    return null;
                }
                int value = Character.digit(nibble.charAt(0), 16);
                int index = 15 - i / 2;
                bytes[index] |= (byte) (i % 2 == 0 ? value : value << 4);
            }
            try {
                return InetAddress.getByAddress(bytes);
            } catch (java.net.UnknownHostException e) {
                return null;
            }
        }
        return null;
    }

    private static String label(Name name, int i) {
        return name.getLabelString(i).toLowerCase(Locale.ROOT);
    }
}
