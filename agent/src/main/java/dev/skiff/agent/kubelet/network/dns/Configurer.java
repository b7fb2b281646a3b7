package dev.skiff.agent.kubelet.network.dns;

import dev.skiff.agent.cri.v1.DNSConfig;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodDNSConfig;
import io.fabric8.kubernetes.api.model.PodDNSConfigOption;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pod's resolv.conf as the kubelet forms it (upstream: pkg/kubelet/network/dns), handed to the runtime in the
 * sandbox config: by dnsPolicy, ClusterFirst (and ClusterFirstWithHostNet) - the cluster DNS as only name server,
 * search {@code <ns>.svc.<domain> svc.<domain> <domain>} then the host's, {@code options ndots:5}; ClusterFirst
 * on the host network and Default - the host's resolv.conf ({@code --resolv-conf}); None - nothing. The pod's
 * dnsConfig is then appended (name servers and searches without duplicates, options overriding by name), and the
 * result cut to the API's limits: 3 name servers, 32 search domains of at most 253 characters, 2048 in all.
 * Without a cluster DNS, ClusterFirst falls back to Default, as upstream.
 *
 * @param clusterDns    the kubelet's --cluster-dns addresses (empty: none)
 * @param clusterDomain the kubelet's --cluster-domain (empty: none)
 * @param resolvConf    the kubelet's --resolv-conf, the host's resolver file (null: none)
 */
public record Configurer(List<String> clusterDns, String clusterDomain, Path resolvConf) {
    private static final Logger log = LoggerFactory.getLogger(Configurer.class);
    static final List<String> DEFAULT_OPTIONS = List.of("ndots:5");
    static final int MAX_NAMESERVERS = 3;
    static final int MAX_SEARCH_PATHS = 32;
    static final int MAX_SEARCH_LIST_CHARS = 2048;
    static final int MAX_SEARCH_PATH_LENGTH = 253;

    public Configurer {
        clusterDns = List.copyOf(clusterDns);
        clusterDomain = clusterDomain == null ? "" : clusterDomain;
    }

    /** The kubelet's defaults when no cluster DNS is configured: pods resolve with the host's /etc/resolv.conf. */
    public static Configurer hostOnly() {
        return new Configurer(List.of(), "", Path.of("/etc/resolv.conf"));
    }

    /** The pod's DNS config (upstream: GetPodDNS). */
    public DNSConfig podDns(Pod pod) throws IOException {
        ResolvConf host = resolvConf == null ? new ResolvConf(List.of(), List.of(), List.of()) : ResolvConf.read(resolvConf);
        List<String> servers = host.nameservers();
        List<String> searches = host.searches();
        List<String> options = host.options();
        var spec = pod.getSpec();
        String policy = spec.getDnsPolicy() == null ? "ClusterFirst" : spec.getDnsPolicy();
        boolean hostNetwork = Boolean.TRUE.equals(spec.getHostNetwork());
        boolean cluster = policy.equals("ClusterFirstWithHostNet") || (policy.equals("ClusterFirst") && !hostNetwork);
        if (policy.equals("None")) {
            servers = List.of();
            searches = List.of();
            options = List.of();
        } else if (cluster && !clusterDns.isEmpty()) {
            servers = clusterDns;
            searches = clusterSearches(pod.getMetadata().getNamespace(), searches);
            options = DEFAULT_OPTIONS;
        } else if (cluster) {
            log.warn("kubelet does not have ClusterDNS IP configured and cannot create Pod using \"ClusterFirst\" policy. "
                    + "Falling back to \"Default\" policy. pod={}/{}", pod.getMetadata().getNamespace(), pod.getMetadata().getName());
        }
        PodDNSConfig podConfig = spec.getDnsConfig();
        if (podConfig != null) {
            servers = distinct(servers, podConfig.getNameservers());
            searches = distinct(searches, podConfig.getSearches());
            options = mergeOptions(options, podConfig.getOptions());
        }
        return DNSConfig.newBuilder().addAllServers(fitServers(servers)).addAllSearches(fitSearches(searches)).addAllOptions(options).build();
    }

    private List<String> clusterSearches(String namespace, List<String> hostSearches) {
        if (clusterDomain.isEmpty()) {
            return hostSearches;
        }
        return distinct(List.of(namespace + ".svc." + clusterDomain, "svc." + clusterDomain, clusterDomain), hostSearches);
    }

    private static List<String> distinct(List<String> first, List<String> then) {
        var all = new LinkedHashSet<>(first);
        if (then != null) {
            all.addAll(then);
        }
        return List.copyOf(all);
    }

    /** Options by name, the pod's overriding the base's; {@code name} or {@code name:value}. */
    static List<String> mergeOptions(List<String> base, List<PodDNSConfigOption> podOptions) {
        Map<String, String> byName = new LinkedHashMap<>();
        for (String option : base) {
            int colon = option.indexOf(':');
            byName.put(colon < 0 ? option : option.substring(0, colon), colon < 0 ? "" : option.substring(colon + 1));
        }
        for (PodDNSConfigOption option : podOptions == null ? List.<PodDNSConfigOption>of() : podOptions) {
            byName.put(option.getName(), option.getValue() == null ? "" : option.getValue());
        }
        List<String> options = new ArrayList<>();
        byName.forEach((name, value) -> options.add(value.isEmpty() ? name : name + ":" + value));
        return options;
    }

    private static List<String> fitServers(List<String> servers) {
        if (servers.size() <= MAX_NAMESERVERS) {
            return servers;
        }
        List<String> kept = servers.subList(0, MAX_NAMESERVERS);
        log.warn("Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: {}", String.join(" ", kept));
        return kept;
    }

    static List<String> fitSearches(List<String> searches) {
        List<String> kept = new ArrayList<>(searches.subList(0, Math.min(searches.size(), MAX_SEARCH_PATHS)));
        kept.removeIf(s -> s.length() > MAX_SEARCH_PATH_LENGTH);
        while (!kept.isEmpty() && String.join(" ", kept).length() > MAX_SEARCH_LIST_CHARS) {
            kept.removeLast();
        }
        if (kept.size() != searches.size()) {
            log.warn("Search Line limits were exceeded, some search paths have been omitted, the applied search line is: {}", String.join(" ", kept));
        }
        return kept;
    }

    /**
     * A resolv.conf as the kubelet reads it: {@code nameserver} lines accumulate, the last {@code search} and
     * {@code options} lines win, search domains lose a trailing dot, {@code #} lines are comments.
     */
    public record ResolvConf(List<String> nameservers, List<String> searches, List<String> options) {
        public static ResolvConf read(Path file) throws IOException {
            return parse(Files.readString(file));
        }

        public static ResolvConf parse(String text) {
            List<String> nameservers = new ArrayList<>();
            List<String> searches = List.of();
            List<String> options = List.of();
            for (String line : text.split("\n")) {
                String trimmed = line.strip();
                if (trimmed.startsWith("#") || trimmed.isEmpty()) {
                    continue;
                }
                String[] fields = trimmed.split("\\s+");
                switch (fields[0]) {
                    case "nameserver" -> {
                        if (fields.length >= 2) {
                            nameservers.add(fields[1]);
                        }
                    }
                    case "search" -> {
                        List<String> s = new ArrayList<>();
                        for (int i = 1; i < fields.length; i++) {
                            s.add(fields[i].endsWith(".") ? fields[i].substring(0, fields[i].length() - 1) : fields[i]);
                        }
                        searches = s;
                    }
                    case "options" -> options = List.of(fields).subList(1, fields.length);
                    default -> {
                        // domain, sortlist, ...: not carried into pods
                    }
                }
            }
            return new ResolvConf(List.copyOf(nameservers), List.copyOf(searches), List.copyOf(options));
        }
    }
}
