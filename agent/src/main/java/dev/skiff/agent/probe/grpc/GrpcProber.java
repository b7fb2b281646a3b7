package dev.skiff.agent.probe.grpc;

import dev.skiff.agent.probe.ProbeOutcome;
import dev.skiff.agent.probe.Probes;
import dev.skiff.agent.probe.grpc.health.v1.HealthCheckRequest;
import dev.skiff.agent.probe.grpc.health.v1.HealthCheckResponse;
import dev.skiff.agent.probe.grpc.health.v1.HealthGrpc;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The grpc probe (upstream: pkg/probe/grpc): calls {@code grpc.health.v1.Health/Check} for the probe's
 * service (default "") on host:port in plaintext with User-Agent kube-probe/1.33, connection and call
 * within the timeout. SERVING is success ("service healthy"); every other outcome is a failure worded
 * as upstream's: another status, a server without the health service, a timeout connecting or
 * answering, any other RPC error.
 */
public final class GrpcProber {
    private GrpcProber() {
    }

    public static ProbeOutcome probe(String host, String service, int port, Duration timeout) {
        String addr = Probes.joinHostPort(host, port);
        ManagedChannel channel = NettyChannelBuilder.forAddress(host, port).usePlaintext().userAgent(Probes.userAgent("probe")).build();
        try {
            HealthCheckResponse response;
            try {
                // waitForReady: keep trying to connect until the deadline, as upstream's blocking dial does
                response = HealthGrpc.newBlockingStub(channel).withWaitForReady().withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                        .check(HealthCheckRequest.newBuilder().setService(service == null ? "" : service).build());
            } catch (StatusRuntimeException e) {
                Status status = e.getStatus();
                if (status.getCode() == Status.Code.DEADLINE_EXCEEDED) {
                    return channel.getState(false) == ConnectivityState.READY
                            ? ProbeOutcome.failure("timeout: health rpc did not complete within " + Probes.goDuration(timeout))
                            : ProbeOutcome.failure("timeout: failed to connect service \"" + addr + "\" within " + Probes.goDuration(timeout)
                                    + ": context deadline exceeded");
                }
                if (status.getCode() == Status.Code.UNIMPLEMENTED) {
                    return ProbeOutcome.failure("error: this server does not implement the grpc health protocol (grpc.health.v1.Health): "
                            + nullToEmpty(status.getDescription()));
                }
                return ProbeOutcome.failure("error: health rpc probe failed: rpc error: code = " + goCode(status.getCode()) + " desc = "
                        + nullToEmpty(status.getDescription()));
            }
            if (response.getStatus() != HealthCheckResponse.ServingStatus.SERVING) {
                return ProbeOutcome.failure("service unhealthy (responded with \"" + response.getStatus().name() + "\")");
            }
            return ProbeOutcome.success("service healthy");
        } finally {
            channel.shutdownNow();
        }
    }

    /** A gRPC code as grpc-go prints it (NotFound, Unavailable, ...). */
    static String goCode(Status.Code code) {
        StringBuilder out = new StringBuilder();
        for (String word : code.name().split("_")) {
            out.append(word.charAt(0)).append(word.substring(1).toLowerCase(Locale.ROOT));
        }
        return code == Status.Code.OK ? "OK" : out.toString();
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
