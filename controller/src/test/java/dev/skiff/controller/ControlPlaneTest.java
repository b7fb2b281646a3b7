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

/**
 * Every controller test's fixture: a real API server on an embedded store in a temp dir, a client,
 * a {@link TestKubelet} on that client when the test asks for one, and polling until a condition holds.
 */
public abstract class ControlPlaneTest {
    protected static final Duration TIMEOUT = Duration.ofSeconds(90);

    @TempDir
    protected Path dir;
    protected LocalControlPlane controlPlane;
    protected KubernetesClient client;
    private TestKubelet kubelet;

    @BeforeEach
    void startControlPlane() {
        controlPlane = LocalControlPlane.start(dir);
        client = RestClients.fromKubeconfig(controlPlane.kubeconfig());
    }

    @AfterEach
    void stopControlPlane() throws InterruptedException {
        if (kubelet != null) {
            kubelet.close();
        }
        client.close();
        controlPlane.close();
    }

    /** The kubelet stand-in for namespace {@code default}, made on first use; its loop stops before the control plane does. */
    protected TestKubelet kubelet() {
        if (kubelet == null) {
            kubelet = new TestKubelet(client, "default");
        }
        return kubelet;
    }

    /** Polls {@code condition} every 50 ms until it holds; an AssertionError naming {@code what} after {@link #TIMEOUT}. */
    protected static void await(String what, BooleanSupplier condition) throws InterruptedException {
        await(what, TIMEOUT, condition);
    }

    /** Polls {@code condition} every 50 ms until it holds; an AssertionError naming {@code what} after {@code timeout}. */
    protected static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out after " + timeout + " waiting for: " + what);
            }
            Thread.sleep(50);
        }
    }
}
