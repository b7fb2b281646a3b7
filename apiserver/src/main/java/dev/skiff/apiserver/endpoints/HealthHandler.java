package dev.skiff.apiserver.endpoints;

import dev.skiff.api.errors.ApiException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /healthz}, {@code /livez} or {@code /readyz} as upstream serves them: "ok" when every
 * check passes; with {@code ?verbose} one {@code [+]name ok} line per check and
 * "<endpoint> check passed"; on failure 500 with the list (reasons withheld, logged instead);
 * {@code ?exclude=name} skips a check; {@code /<endpoint>/<name>} runs one.
 */
public final class HealthHandler implements ApiHandler {
    private static final Logger log = LoggerFactory.getLogger(HealthHandler.class);

    private final String endpoint;
    private final List<HealthCheck> checks;
    private final Duration timeout;

    public HealthHandler(String endpoint, List<HealthCheck> checks, Duration timeout) {
        this.endpoint = endpoint;
        this.checks = List.copyOf(checks);
        this.timeout = timeout;
    }

    public String path() {
        return "/" + endpoint;
    }

    @Override
    public void handle(ApiRequest request, ApiResponse response) {
        if (!request.method().equals("GET") && !request.method().equals("HEAD")) {
            throw ApiException.methodNotSupported(endpoint, request.method());
        }
        String sub = request.path().substring(path().length());
        if (!sub.isEmpty() && !sub.equals("/")) {
            single(sub.substring(1), response);
            return;
        }
        var excluded = Set.copyOf(request.query().getOrDefault("exclude", List.of()));
        boolean verbose = request.query().containsKey("verbose");
        var lines = new StringBuilder();
        boolean failed = false;
        for (var check : checks) {
            if (excluded.contains(check.name())) {
                lines.append("[+]").append(check.name()).append(" excluded: ok\n");
                continue;
            }
            String error = run(check);
            if (error == null) {
                lines.append("[+]").append(check.name()).append(" ok\n");
            } else {
                failed = true;
                lines.append("[-]").append(check.name()).append(" failed: reason withheld\n");
            }
        }
        if (failed) {
            log.info("{} check failed", endpoint);
            response.text(500, lines + endpoint + " check failed\n");
        } else if (verbose) {
            response.text(200, lines + endpoint + " check passed\n");
        } else {
            response.text(200, "ok");
        }
    }

    private void single(String name, ApiResponse response) {
        var check = checks.stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(ApiException::notFoundPath);
        String error = run(check);
        if (error == null) {
            response.text(200, "ok");
        } else {
            response.text(500, "internal server error: " + error + "\n");
        }
    }

    /** Null when the check passed, else why not. A check that hangs is abandoned (interrupted) at the deadline. */
    private String run(HealthCheck check) {
        var result = new CompletableFuture<Void>();
        Thread worker = Thread.ofVirtual().name(endpoint + "-" + check.name()).start(() -> {
            try {
                check.check();
                result.complete(null);
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        try {
            result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return null;
        } catch (TimeoutException e) {
            worker.interrupt();
            log.warn("{} check={} failed: no answer within {}", endpoint, check.name(), timeout);
            return "no answer within " + timeout.toMillis() + "ms";
        } catch (ExecutionException e) {
            String reason = String.valueOf(e.getCause().getMessage());
            log.warn("{} check={} failed: {}", endpoint, check.name(), reason);
            return reason;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            worker.interrupt();
            return "interrupted";
        }
    }
}
