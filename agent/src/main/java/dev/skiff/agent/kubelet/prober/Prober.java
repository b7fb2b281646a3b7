package dev.skiff.agent.kubelet.prober;

import dev.skiff.agent.kubelet.events.ContainerEvents;
import dev.skiff.agent.kubelet.prober.results.ResultsManager;
import dev.skiff.agent.probe.ProbeException;
import dev.skiff.agent.probe.ProbeOutcome;
import dev.skiff.agent.probe.Probes;
import dev.skiff.agent.probe.exec.ExecProber;
import dev.skiff.agent.probe.grpc.GrpcProber;
import dev.skiff.agent.probe.http.HttpProber;
import dev.skiff.agent.probe.tcp.TcpProber;
import dev.skiff.client.record.EventRecorder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Probe;

/**
 * Runs a container's probe once with its handler - exec, httpGet, tcpSocket or grpc - and records
 * what the kubelet records (upstream: prober.go): a failure is a Warning event Unhealthy
 * "Liveness probe failed: <output>", a warning (redirect not followed) a Warning ProbeWarning, a
 * probe that could not run an Unhealthy "... probe errored and resulted in unknown state: <error>"
 * whose result is thrown away (null).
 */
public final class Prober {
    private final ExecProber.CommandRunner exec;
    private final ContainerEvents events;

    public Prober(ExecProber.CommandRunner exec, ContainerEvents events) {
        this.exec = exec;
        this.events = events;
    }

    /** The probe's result for the container, or null when it errored (the worker then keeps its state). */
    ResultsManager.Result probe(ProbeType type, Pod pod, String podIp, Container container, String containerId) {
        Probe probe = type.of(container);
        ProbeOutcome outcome;
        try {
            outcome = run(probe, ProbeSpec.of(probe), podIp, container, containerId);
        } catch (ProbeException | RuntimeException e) {
            events.event(pod, container.getName(), EventRecorder.WARNING, ContainerEvents.UNHEALTHY,
                    type + " probe errored and resulted in unknown state: " + e.getMessage());
            return null;
        }
        return switch (outcome.result()) {
            case SUCCESS -> ResultsManager.Result.SUCCESS;
            case WARNING -> {
                events.event(pod, container.getName(), EventRecorder.WARNING, ContainerEvents.PROBE_WARNING,
                        type + " probe warning: " + outcome.output());
                yield ResultsManager.Result.SUCCESS;
            }
            case FAILURE -> {
                events.event(pod, container.getName(), EventRecorder.WARNING, ContainerEvents.UNHEALTHY,
                        type + " probe failed: " + outcome.output());
                yield ResultsManager.Result.FAILURE;
            }
            case UNKNOWN -> ResultsManager.Result.UNKNOWN;
        };
    }

    private ProbeOutcome run(Probe probe, ProbeSpec spec, String podIp, Container container, String containerId) throws ProbeException {
        if (probe.getExec() != null) {
            return ExecProber.probe(exec, containerId, probe.getExec().getCommand(), spec.timeout());
        }
        if (probe.getHttpGet() != null) {
            return HttpProber.probe(HttpProber.forHttpGet(probe.getHttpGet(), container, podIp, "probe"), spec.timeout());
        }
        if (probe.getTcpSocket() != null) {
            String host = probe.getTcpSocket().getHost() == null || probe.getTcpSocket().getHost().isEmpty() ? podIp
                    : probe.getTcpSocket().getHost();
            return TcpProber.probe(host, Probes.resolveContainerPort(probe.getTcpSocket().getPort(), container), spec.timeout());
        }
        if (probe.getGrpc() != null) {
            Integer port = probe.getGrpc().getPort();
            if (port == null || port <= 0 || port >= 65536) {
                throw new ProbeException("invalid port number: " + port);
            }
            return GrpcProber.probe(podIp, probe.getGrpc().getService(), port, spec.timeout());
        }
        throw new ProbeException("missing probe handler for " + container.getName());
    }
}
