package dev.skiff.agent.probe;

import dev.skiff.agent.kubelet.nodestatus.NodeStatus;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;

/**
 * What the probe handlers share (upstream: pkg/probe's util and the user agent): resolving a probe's
 * port, the {@code kube-<purpose>/<major>.<minor>} User-Agent, and network errors worded as Go's
 * net package words them, so probe failure messages read as upstream's.
 */
public final class Probes {
    /** "1.33": the major.minor of the Kubernetes version the agent reports. */
    public static final String KUBE_MINOR_VERSION = NodeStatus.KUBELET_VERSION.replaceFirst("^v(\\d+\\.\\d+).*$", "$1");

    private Probes() {
    }

    /** {@code kube-probe/1.33} for probes, {@code kube-lifecycle/1.33} for lifecycle hooks. */
    public static String userAgent(String purpose) {
        return "kube-" + purpose + "/" + KUBE_MINOR_VERSION;
    }

    /**
     * A probe's port: a number as is; a name looked up among the container's ports (its containerPort),
     * and failing that read as a number written as a string; 1..65535 (upstream's ResolveContainerPort).
     */
    public static int resolveContainerPort(IntOrString port, Container container) throws ProbeException {
        if (port == null) {
            throw new ProbeException("intOrString had no kind: nil");
        }
        int resolved;
        if (port.getIntVal() != null) {
            resolved = port.getIntVal();
        } else {
            String name = port.getStrVal();
            Integer byName = null;
            for (ContainerPort p : container.getPorts() == null ? java.util.List.<ContainerPort>of() : container.getPorts()) {
                if (name.equals(p.getName())) {
                    byName = p.getContainerPort();
                    break;
                }
            }
            if (byName != null) {
                resolved = byName;
            } else {
                try {
                    resolved = Integer.parseInt(name);
                } catch (NumberFormatException e) {
                    throw new ProbeException("strconv.Atoi: parsing \"" + name + "\": invalid syntax");
                }
            }
        }
        if (resolved <= 0 || resolved >= 65536) {
            throw new ProbeException("invalid port number: " + resolved);
        }
        return resolved;
    }

    /** host:port as Go's net.JoinHostPort writes it (IPv6 in brackets). */
    public static String joinHostPort(String host, int port) {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    /** A failed TCP connect as Go's dialer reports it: {@code dial tcp 10.0.0.1:80: connect: connection refused}. */
    public static String dialError(String host, int port, IOException e) {
        String reason = switch (e) {
            case NoRouteToHostException n -> "connect: no route to host";
            case ConnectException c -> "connect: " + String.valueOf(c.getMessage()).toLowerCase(java.util.Locale.ROOT);
            case SocketTimeoutException t -> "i/o timeout";
            case UnknownHostException u -> "lookup " + host + ": no such host";
            default -> String.valueOf(e.getMessage());
        };
        return "dial tcp " + joinHostPort(host, port) + ": " + reason;
    }

    /** A duration as Go's time.Duration prints it, for whole seconds ("1s", "1m30s"). */
    public static String goDuration(Duration d) {
        long s = d.toSeconds();
        if (s < 60) {
            return s + "s";
        }
        long h = s / 3600;
        long m = s % 3600 / 60;
        return (h > 0 ? h + "h" + m + "m" : m + "m") + s % 60 + "s";
    }
}
