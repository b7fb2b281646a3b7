package dev.skiff.controller;

import dev.skiff.client.leaderelection.LeaderElected;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller manager (upstream's cmd/kube-controller-manager/app): while it holds the Lease
 * {@code kube-system/kube-controller-manager} (or always, without leader election) it runs the enabled
 * controllers over one shared informer factory - each controller registers its informers, then the
 * factory starts them all. Losing the lease stops every controller and campaigns again.
 */
public final class ControllerManager implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControllerManager.class);
    public static final String LEASE_NAMESPACE = "kube-system";
    public static final String LEASE_NAME = "kube-controller-manager";
    /** Upstream's default --concurrent-*-syncs for the workload controllers. */
    public static final int DEFAULT_WORKERS = 5;

    private final KubernetesClient client;
    private final List<ControllerDescriptor> controllers;
    private final int workers;
    private final ControllerOptions options;
    private LeaderElected runner;

    private ControllerManager(KubernetesClient client, List<ControllerDescriptor> controllers, int workers, ControllerOptions options) {
        this.client = client;
        this.controllers = controllers;
        this.workers = workers;
        this.options = options;
    }

    /**
     * Starts the {@code enabled} controllers of {@link Controllers#all()} (upstream's --controllers:
     * {@code *} for all, {@code name} to add, {@code -name} to remove).
     */
    public static ControllerManager start(KubernetesClient client, List<String> enabled, boolean leaderElect, int workers) {
        return start(client, enabled, leaderElect, workers, ControllerOptions.DEFAULTS);
    }

    /** As {@link #start(KubernetesClient, List, boolean, int)}, with {@code options} for the controllers that take settings. */
    public static ControllerManager start(KubernetesClient client, List<String> enabled, boolean leaderElect, int workers,
            ControllerOptions options) {
        var manager = new ControllerManager(client, select(Controllers.all(), enabled), workers, options);
        manager.runner = LeaderElected.run(client, LEASE_NAMESPACE, LEASE_NAME, leaderElect, manager::newTerm);
        return manager;
    }

    /** The descriptors {@code --controllers} selects; an unknown name is an IllegalArgumentException naming the known ones. */
    public static List<ControllerDescriptor> select(List<ControllerDescriptor> all, List<String> enabled) {
        Set<String> known = new java.util.TreeSet<>(all.stream().map(ControllerDescriptor::name).toList());
        for (String e : enabled) {
            String name = e.startsWith("-") ? e.substring(1) : e;
            if (!name.equals("*") && !known.contains(name)) {
                throw new IllegalArgumentException("\"" + name + "\" is not in the list of known controllers " + known);
            }
        }
        boolean star = enabled.isEmpty() || enabled.contains("*");
        List<ControllerDescriptor> chosen = new ArrayList<>();
        for (ControllerDescriptor d : all) {
            boolean on = enabled.contains(d.name()) || (star && !enabled.contains("-" + d.name()));
            if (on) {
                chosen.add(d);
            }
        }
        return chosen;
    }

    public String identity() {
        return runner.identity();
    }

    /** Whether the controllers run now (this instance leads, or runs without leader election). */
    public boolean isRunning() {
        return runner.isActive();
    }

    @Override
    public void close() {
        runner.close();
    }

    private AutoCloseable newTerm(String identity) {
        return new Term();
    }

    /** One period of leadership: a fresh informer factory and every enabled controller on it. */
    private final class Term implements AutoCloseable {
        private final io.fabric8.kubernetes.client.informers.SharedInformerFactory informers = client.informers();
        private final Deque<AutoCloseable> running = new ArrayDeque<>();

        Term() {
            var context = new ControllerContext(client, informers, Clock.systemUTC(), workers, options);
            for (ControllerDescriptor d : controllers) {
                try {
                    running.push(d.starter().start(context));
                    LOG.info("started controller={}", d.name());
                } catch (Exception ex) {
                    LOG.error("starting controller={} failed", d.name(), ex);
                }
            }
            informers.startAllRegisteredInformers();
        }

        @Override
        public void close() {
            while (!running.isEmpty()) {
                try {
                    running.pop().close();
                } catch (Exception ex) {
                    LOG.warn("stopping a controller failed: {}", ex.toString());
                }
            }
            informers.stopAllRegisteredInformers();
        }
    }
}
