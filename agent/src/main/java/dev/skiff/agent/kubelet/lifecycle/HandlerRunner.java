package dev.skiff.agent.kubelet.lifecycle;

import dev.skiff.agent.kubelet.events.ContainerEvents;
import dev.skiff.agent.probe.ProbeException;
import dev.skiff.agent.probe.exec.ExecProber;
import dev.skiff.agent.probe.http.HttpProber;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.LifecycleHandler;
import io.fabric8.kubernetes.api.model.Pod;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.time.Duration;

/**
 * Runs a container's postStart or preStop hook (upstream: pkg/kubelet/lifecycle's handlerRunner):
 * exec in the container (any exit code but 0 fails), an HTTP GET (User-Agent kube-lifecycle/1.33;
 * only a transport error fails, any status code counts as delivered) or a sleep. Everything within
 * {@code timeout}. Returns null on success, else the failure worded as upstream's ("Exec lifecycle
 * hook ([sh -c exit 3]) for Container "c" in Pod "p_ns(uid)" failed - error: ..., message: ...").
 */
public final class HandlerRunner {
    private final ExecProber.CommandRunner exec;

    public HandlerRunner(ExecProber.CommandRunner exec) {
        this.exec = exec;
    }

    public String run(String containerId, Pod pod, String podIp, Container container, LifecycleHandler handler, Duration timeout) {
        String where = " for Container \"" + container.getName() + "\" in Pod \"" + ContainerEvents.podName(pod) + "\" failed - error: ";
        if (handler.getExec() != null) {
            var command = handler.getExec().getCommand();
            String commandText = "[" + String.join(" ", command) + "]";
            try {
                var result = exec.run(containerId, command, timeout);
                if (result.exitCode() == 0) {
                    return null;
                }
                return "Exec lifecycle hook (" + commandText + ")" + where + "command '" + String.join(" ", command) + "' exited with "
                        + result.exitCode() + ": " + result.stderr() + ", message: " + ExecProber.goQuote(result.stdout() + result.stderr());
            } catch (StatusRuntimeException e) {
                String error = ExecProber.timedOut(e) ? ExecProber.timeoutMessage(command) : e.getStatus().toString();
                return "Exec lifecycle hook (" + commandText + ")" + where + error + ", message: \"\"";
            }
        }
        if (handler.getHttpGet() != null) {
            String path = handler.getHttpGet().getPath() == null ? "" : handler.getHttpGet().getPath();
            try {
                HttpProber.get(HttpProber.forHttpGet(handler.getHttpGet(), container, podIp, "lifecycle"), timeout);
                return null;
            } catch (ProbeException | IOException e) {
                return "HTTP lifecycle hook (" + path + ")" + where + e.getMessage();
            }
        }
        if (handler.getSleep() != null) {
            long seconds = handler.getSleep().getSeconds() == null ? 0 : handler.getSleep().getSeconds();
            try {
                Thread.sleep(Duration.ofSeconds(seconds).compareTo(timeout) < 0 ? Duration.ofSeconds(seconds) : timeout);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        }
        return "Cannot run handler: unknown handler type for Container \"" + container.getName() + "\" in Pod \"" + ContainerEvents.podName(pod) + "\"";
    }
}
