package dev.skiff.client.leaderelection;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running candidate: fabric8's LeaderElector over a {@link LeaseLock}, which follows client-go's
 * algorithm (acquire when the lease is free or its renewTime + leaseDuration has passed, renew every
 * retryPeriod, give up leadership when a renewal has not succeeded within renewDeadline). This
 * class adds upstream's defaults and checks, and a handle to stop it; {@code onStoppedLeading}
 * runs whenever leadership ends, on stop included.
 */
public final class LeaderElection implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LeaderElection.class);

    private final LeaderElectionConfig config;
    private final AtomicBoolean leading = new AtomicBoolean();
    private final CompletableFuture<?> running;

    private LeaderElection(KubernetesClient client, LeaderElectionConfig config, Runnable onStartedLeading,
                           Runnable onStoppedLeading, Consumer<String> onNewLeader) {
        this.config = config;
        var callbacks = new LeaderCallbacks(() -> {
            leading.set(true);
            log.info("leaderelection lease={}/{} identity={} started leading", config.namespace(), config.name(), config.identity());
            onStartedLeading.run();
        }, () -> {
            leading.set(false);
            log.info("leaderelection lease={}/{} identity={} stopped leading", config.namespace(), config.name(), config.identity());
            onStoppedLeading.run();
        }, onNewLeader);
        var fabric8Config = new LeaderElectionConfigBuilder()
                .withName(config.name())
                .withLock(new LeaseLock(config.namespace(), config.name(), config.identity()))
                .withLeaseDuration(config.leaseDuration())
                .withRenewDeadline(config.renewDeadline())
                .withRetryPeriod(config.retryPeriod())
                .withReleaseOnCancel(config.releaseOnCancel())
                .withLeaderCallbacks(callbacks)
                .build();
        running = client.leaderElector().withConfig(fabric8Config).build().start();
    }

    /** Starts campaigning at once; the callbacks run on the client's executor. */
    public static LeaderElection start(KubernetesClient client, LeaderElectionConfig config, Runnable onStartedLeading,
                                       Runnable onStoppedLeading, Consumer<String> onNewLeader) {
        return new LeaderElection(client, config, onStartedLeading, onStoppedLeading, onNewLeader);
    }

    public boolean isLeader() {
        return leading.get();
    }

    public LeaderElectionConfig config() {
        return config;
    }

    /** Stops campaigning (releasing the lease if configured) and waits for the elector to wind down. */
    @Override
    public void close() {
        running.cancel(true);
        try {
            running.get(config.renewDeadline().toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.CancellationException | ExecutionException | TimeoutException e) {
            // cancelled is the expected outcome
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
