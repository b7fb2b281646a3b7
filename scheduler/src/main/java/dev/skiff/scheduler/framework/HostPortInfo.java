package dev.skiff.scheduler.framework;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Host ports in use on a node by IP then "protocol/port", as upstream's HostPortInfo. An empty
 * IP means 0.0.0.0, which conflicts with every IP.
 */
public final class HostPortInfo {
    private static final String ANY = "0.0.0.0";
    private final Map<String, Set<String>> byIp = new HashMap<>();

    public void add(String ip, String protocol, int port) {
        if (port <= 0) {
            return;
        }
        byIp.computeIfAbsent(ip(ip), k -> new HashSet<>()).add(pp(protocol, port));
    }

    public void remove(String ip, String protocol, int port) {
        Set<String> s = byIp.get(ip(ip));
        if (s != null) {
            s.remove(pp(protocol, port));
            if (s.isEmpty()) {
                byIp.remove(ip(ip));
            }
        }
    }

    public boolean checkConflict(String ip, String protocol, int port) {
        if (port <= 0) {
            return false;
        }
        String want = pp(protocol, port);
        String i = ip(ip);
        if (ANY.equals(i)) {
            return byIp.values().stream().anyMatch(s -> s.contains(want));
        }
        return byIp.getOrDefault(i, Set.of()).contains(want) || byIp.getOrDefault(ANY, Set.of()).contains(want);
    }

    public int size() {
        return byIp.values().stream().mapToInt(Set::size).sum();
    }

    HostPortInfo copy() {
        HostPortInfo c = new HostPortInfo();
        byIp.forEach((k, v) -> c.byIp.put(k, new HashSet<>(v)));
        return c;
    }

    private static String ip(String ip) {
        return ip == null || ip.isEmpty() ? ANY : ip;
    }

    private static String pp(String protocol, int port) {
        return (protocol == null || protocol.isEmpty() ? "TCP" : protocol) + "/" + port;
    }
}
