package dev.skiff.agent.probe.exec;

import dev.skiff.agent.probe.ProbeOutcome;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The exec probe (upstream: pkg/probe/exec over the runtime's ExecSync): the command's exit code 0
 * is success, anything else failure with the command's output (stdout then stderr) as the message; a
 * command still running at the timeout is a failure {@code command ["sh" "-c" "sleep 5"] timed out}.
 */
public final class ExecProber {
    /** Runs a command in a container and waits up to {@code timeout} (CRI ExecSync). */
    @FunctionalInterface
    public interface CommandRunner {
        ExecResult run(String containerId, List<String> command, Duration timeout);
    }

    /** What ExecSync returns. */
    public record ExecResult(int exitCode, String stdout, String stderr) {
    }

    private ExecProber() {
    }

    public static ProbeOutcome probe(CommandRunner runner, String containerId, List<String> command, Duration timeout) {
        ExecResult result;
        try {
            result = runner.run(containerId, command, timeout);
        } catch (StatusRuntimeException e) {
            if (timedOut(e)) {
                return ProbeOutcome.failure(timeoutMessage(command));
            }
            throw e;
        }
        String output = result.stdout() + result.stderr();
        return result.exitCode() == 0 ? ProbeOutcome.success(output) : ProbeOutcome.failure(output);
    }

    /** containerd answers an ExecSync over its timeout with DeadlineExceeded ("timeout 1s exceeded: context deadline exceeded"). */
    public static boolean timedOut(StatusRuntimeException e) {
        return e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED
                || String.valueOf(e.getStatus().getDescription()).contains("deadline exceeded");
    }

    /** Upstream's timeout error: the command as Go's %q prints a []string. */
    public static String timeoutMessage(List<String> command) {
        return "command " + command.stream().map(ExecProber::goQuote).collect(Collectors.joining(" ", "[", "]")) + " timed out";
    }

    /** A string as Go's %q writes it. */
    public static String goQuote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\t", "\\t") + "\"";
    }
}
