package dev.skiff.client.leaderelection;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.UUID;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a component only while it holds a Lease, as kube-scheduler and kube-controller-manager do:
 * each period of leadership starts a fresh <em>term</em> (whatever {@code term} builds: informers,
 * loops) and closes it when leadership ends; then it campaigns again, rather than exit the process as
 * upstream does, because inside {@code skiff server} that would take the API server with it. Without
 * leader election the term simply runs until closed. The identity is upstream's {@code hostname_uuid}.
 */
public final class LeaderElected implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LeaderElected.class);

    private final KubernetesClient client;
    private final String namespace;
    private final String name;
    private final Function<String, AutoCloseable> termFactory;
    private final String identity = hostname() + "_" + UUID.randomUUID();
    private volatile boolean closed;
    private LeaderElection election;
    private AutoCloseable term;

    private LeaderElected(KubernetesClient client, String namespace, String name, Function<String, AutoCloseable> termFactory) {
        this.client = client;
        this.namespace = namespace;
        this.name = name;
        this.termFactory = termFactory;
    }

    /**
     * Campaigns for the Lease {@code namespace/name} (or starts a term at once when {@code leaderElect} is
     * false); {@code term} is given this instance's identity.
     */
    public static LeaderElected run(KubernetesClient client, String namespace, String name, boolean leaderElect,
                                    Function<String, AutoCloseable> term) {
        var runner = new LeaderElected(client, namespace, name, term);
        if (leaderElect) {
            runner.campaign();
        } else {
            runner.startTerm();
        }
        return runner;
    }

    public String identity() {
        return identity;
    }

    /** Whether a term runs now (this instance leads, or runs without leader election). */
    public synchronized boolean isActive() {
        return term != null;
    }

    private synchronized void campaign() {
        if (closed) {
            return;
        }
        election = LeaderElection.start(client, LeaderElectionConfig.defaults(namespace, name, identity), this::startTerm, () -> {
            stopTerm();
            if (!closed) {
                LOG.warn("lost the lease {}/{}; campaigning again", namespace, name);
                Thread.ofVirtual().name(name + "-campaign").start(this::campaign);
            }
        }, leader -> LOG.info("lease {}/{} is held by {}", namespace, name, leader));
    }

    private synchronized void startTerm() {
        if (!closed && term == null) {
            term = termFactory.apply(identity);
        }
    }

    private synchronized void stopTerm() {
        if (term != null) {
            try {
                term.close();
            } catch (Exception e) {
                LOG.warn("stopping the {} term failed: {}", name, e.toString());
            }
            term = null;
        }
    }

    @Override
    public void close() {
        LeaderElection e;
        synchronized (this) {
            closed = true;
            e = election;
        }
        if (e != null) {
            e.close();
        }
        stopTerm();
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
