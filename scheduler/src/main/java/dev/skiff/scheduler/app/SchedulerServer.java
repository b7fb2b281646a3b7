package dev.skiff.scheduler.app;

import dev.skiff.client.leaderelection.LeaderElected;
import dev.skiff.client.record.EventRecorder;
import dev.skiff.scheduler.ApiServerBinder;
import dev.skiff.scheduler.ApiServerPodWriter;
import dev.skiff.scheduler.EventHandlers;
import dev.skiff.scheduler.Scheduler;
import dev.skiff.scheduler.apis.config.KubeSchedulerConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running scheduler (upstream's cmd/kube-scheduler/app): while this instance leads through the
 * Lease {@code kube-system/kube-scheduler} (or always, without leader election) it runs the informers,
 * the scheduling loop on its own thread, the one-second housekeeping tick, and binds on virtual
 * threads. Losing the lease stops scheduling and campaigns again; a new term starts from fresh
 * informers and an empty cache, as a restarted kube-scheduler would.
 */
public final class SchedulerServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SchedulerServer.class);
    public static final String LEASE_NAMESPACE = "kube-system";
    public static final String LEASE_NAME = "kube-scheduler";

    private final KubernetesClient client;
    private final KubeSchedulerConfiguration config;
    private final Clock clock = Clock.systemUTC();
    private LeaderElected runner;

    private SchedulerServer(KubernetesClient client, KubeSchedulerConfiguration config) {
        this.client = client;
        this.config = config;
    }

    /** Starts campaigning for the lease (or scheduling at once when {@code leaderElect} is false). */
    public static SchedulerServer start(KubernetesClient client, KubeSchedulerConfiguration config, boolean leaderElect) {
        var server = new SchedulerServer(client, config);
        server.runner = LeaderElected.run(client, LEASE_NAMESPACE, LEASE_NAME, leaderElect, server::newTerm);
        return server;
    }

    public String identity() {
        return runner.identity();
    }

    /** Whether this instance is scheduling now (it leads, or runs without leader election). */
    public boolean isScheduling() {
        return runner.isActive();
    }

    @Override
    public void close() {
        runner.close();
    }

    private AutoCloseable newTerm(String identity) {
        return new Term(identity);
    }

    /** One period of leadership: its own scheduler, informers, loop and tick. */
    private final class Term implements AutoCloseable {
        private final String identity;
        private final EventRecorder events;
        private final ExecutorService binding = Executors.newVirtualThreadPerTaskExecutor();
        private final Scheduler scheduler;
        private final EventHandlers handlers;
        private final Thread loop;
        private final java.util.concurrent.ScheduledExecutorService ticker =
                Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("scheduler-tick").daemon().factory());
        private volatile boolean running = true;

        Term(String identity) {
            this.identity = identity;
            this.events = new EventRecorder(client, "default-scheduler", identity, clock);
            scheduler = new Scheduler(config, clock, new SplittableRandom(), new ApiServerBinder(client, events),
                    new ApiServerPodWriter(client, events, clock), binding);
            handlers = EventHandlers.register(client, scheduler);
            loop = Thread.ofPlatform().name("scheduler-loop").daemon().start(this::run);
            ticker.scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
        }

        private void run() {
            try {
                handlers.start();
                LOG.info("scheduler started identity={} profiles={}", identity,
                        config.profiles().stream().map(KubeSchedulerConfiguration.Profile::schedulerName).toList());
                while (running) {
                    scheduler.scheduleNext(200, TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                if (running) {
                    LOG.error("scheduling loop failed", e);
                }
            }
        }

        private void tick() {
            try {
                scheduler.tick();
            } catch (RuntimeException e) {
                LOG.warn("scheduler housekeeping failed: {}", e.toString());
            }
        }

        @Override
        public void close() {
            running = false;
            ticker.shutdownNow();
            loop.interrupt();
            try {
                loop.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            handlers.stop();
            binding.close();
            scheduler.close();
            events.close();
        }
    }
}
