package dev.skiff.controller;

import dev.skiff.apiserver.controlplane.LocalControlPlane;
import dev.skiff.client.rest.RestClients;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A controller test's fixture: a real API server on an embedded store in a temp dir, a client, and polling until a condition holds. */
public abstract class ControlPlaneTest {
    protected static final Duration TIMEOUT = Duration.ofSeconds(90);

    @TempDir
    protected Path dir;
    protected LocalControlPlane controlPlane;
    protected KubernetesClient client;

    @BeforeEach
    void startControlPlane() {
        controlPlane = LocalControlPlane.start(dir);
        client = RestClients.fromKubeconfig(controlPlane.kubeconfig());
    }

    @AfterEach
    void stopControlPlane() {
        client.close();
        controlPlane.close();
    }

    /** Polls {@code condition} every 50 ms until it holds; an AssertionError naming {@code what} after {@link #TIMEOUT}. */
    protected static void await(String what, BooleanSupplier condition) throws InterruptedException {
        Instant deadline = Instant.now().plus(TIMEOUT);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out after " + TIMEOUT + " waiting for: " + what);
            }
            Thread.sleep(50);
        }
    }
}
