package dev.skiff.agent.probe.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.agent.probe.ProbeOutcome;
import dev.skiff.agent.probe.Result;
import dev.skiff.agent.probe.grpc.health.v1.HealthCheckRequest;
import dev.skiff.agent.probe.grpc.health.v1.HealthCheckResponse;
import dev.skiff.agent.probe.grpc.health.v1.HealthCheckResponse.ServingStatus;
import dev.skiff.agent.probe.grpc.health.v1.HealthGrpc;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The grpc probe against a real grpc-java server on loopback that serves grpc.health.v1.Health. */
class GrpcProberTest {
    /** Health as grpc-java's HealthStatusManager answers: the status of a known service, NOT_FOUND for others. */
    static final class Health extends HealthGrpc.HealthImplBase {
        final Map<String, ServingStatus> services;

        Health(Map<String, ServingStatus> services) {
            this.services = services;
        }

        @Override
        public void check(HealthCheckRequest request, StreamObserver<HealthCheckResponse> response) {
            ServingStatus status = services.get(request.getService());
            if (status == null) {
                response.onError(Status.NOT_FOUND.withDescription("unknown service").asRuntimeException());
                return;
            }
            response.onNext(HealthCheckResponse.newBuilder().setStatus(status).build());
            response.onCompleted();
        }
    }

    @Test
    void servingIsHealthyAndEveryOtherAnswerFailsWithUpstreamsWords() throws Exception {
        AtomicReference<String> userAgent = new AtomicReference<>();
        ServerInterceptor recordUserAgent = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                userAgent.set(headers.get(Metadata.Key.of("user-agent", Metadata.ASCII_STRING_MARSHALLER)));
                return next.startCall(call, headers);
            }
        };
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(ServerInterceptors.intercept(new Health(Map.of("", ServingStatus.SERVING, "db", ServingStatus.NOT_SERVING)),
                        recordUserAgent))
                .build().start();
        try {
            int port = server.getPort();
            assertThat(GrpcProber.probe("127.0.0.1", null, port, Duration.ofSeconds(10)))
                    .isEqualTo(new ProbeOutcome(Result.SUCCESS, "service healthy"));
            assertThat(userAgent.get()).startsWith("kube-probe/1.33");
            assertThat(GrpcProber.probe("127.0.0.1", "db", port, Duration.ofSeconds(10)))
                    .isEqualTo(new ProbeOutcome(Result.FAILURE, "service unhealthy (responded with \"NOT_SERVING\")"));
            assertThat(GrpcProber.probe("127.0.0.1", "cache", port, Duration.ofSeconds(10)))
                    .isEqualTo(new ProbeOutcome(Result.FAILURE, "error: health rpc probe failed: rpc error: code = NotFound desc = unknown service"));
        } finally {
            server.shutdownNow().awaitTermination();
        }
    }

    @Test
    void aServerWithoutTheHealthServiceOrNoServerFail() throws Exception {
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).build().start();
        try {
            ProbeOutcome outcome = GrpcProber.probe("127.0.0.1", "", server.getPort(), Duration.ofSeconds(2));
            assertThat(outcome.result()).isEqualTo(Result.FAILURE);
            assertThat(outcome.output()).startsWith("error: this server does not implement the grpc health protocol (grpc.health.v1.Health): ")
                    .contains("grpc.health.v1.Health/Check");
        } finally {
            server.shutdownNow().awaitTermination();
        }
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        assertThat(GrpcProber.probe("127.0.0.1", "", closed, Duration.ofSeconds(1))).isEqualTo(new ProbeOutcome(Result.FAILURE,
                "timeout: failed to connect service \"127.0.0.1:" + closed + "\" within 1s: context deadline exceeded"));
    }
}
