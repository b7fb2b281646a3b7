package dev.skiff.client.leaderelection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.client.Eventually;
import dev.skiff.client.TestCluster;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two candidates on one Lease served by the real skiff API server. */
class LeaderElectionTest {
    static final Duration TIMEOUT = Duration.ofSeconds(30);
    static final Duration LEASE = Duration.ofSeconds(3);
    static final Duration RETRY = Duration.ofMillis(200);

    @TempDir
    Path dir;
    TestCluster cluster;
    KubernetesClient clientA;
    KubernetesClient clientB;
    final List<String> log = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        cluster = new TestCluster(dir);
        clientA = cluster.newClient();
        clientB = cluster.newClient();
    }

    @AfterEach
    void stop() {
        clientA.close();
        clientB.close();
        cluster.close();
    }

    LeaderElection candidate(KubernetesClient client, String identity, boolean releaseOnCancel) {
        var config = new LeaderElectionConfig("kube-system", "skiff-test", identity, LEASE, Duration.ofSeconds(2),
                RETRY, releaseOnCancel);
        return LeaderElection.start(client, config, () -> log.add(identity + " started"), () -> log.add(identity + " stopped"),
                leader -> { });
    }

    Lease lease() {
        return clientA.leases().inNamespace("kube-system").withName("skiff-test").get();
    }

    @Test
    void onlyOneLeadsAndTheOtherTakesOverAtOnceWhenTheLeaderReleases() throws Exception {
        LeaderElection a = candidate(clientA, "a", true);
        Eventually.await("a leads", TIMEOUT, a::isLeader);
        LeaderElection b = candidate(clientB, "b", true);
        Eventually.await("b has tried and seen a's lease", TIMEOUT, () -> lease().getSpec().getRenewTime() != null
                && lease().getSpec().getRenewTime().isAfter(lease().getSpec().getAcquireTime()));
        Thread.sleep(LEASE.toMillis()); // a whole lease duration: b must still not lead while a renews
        assertThat(b.isLeader()).isFalse();
        assertThat(lease().getSpec().getHolderIdentity()).isEqualTo("a");
        assertThat(lease().getSpec().getLeaseDurationSeconds()).isEqualTo(3);

        a.close();
        Eventually.await("b takes over after a released", TIMEOUT, b::isLeader);
        assertThat(a.isLeader()).isFalse();
        Lease taken = lease();
        assertThat(taken.getSpec().getHolderIdentity()).isEqualTo("b");
        assertThat(taken.getSpec().getLeaseTransitions()).isEqualTo(1);
        assertThat(log).containsSubsequence("a started", "a stopped", "b started");
        b.close();
        Eventually.await("b stopped leading on stop", TIMEOUT, () -> log.contains("b stopped"));
        assertThat(b.isLeader()).isFalse();
    }

    @Test
    void aLeaderThatDiesWithoutReleasingIsReplacedOnlyAfterItsLeaseExpires() throws Exception {
        LeaderElection a = candidate(clientA, "a", false);
        Eventually.await("a leads", TIMEOUT, a::isLeader);
        LeaderElection b = candidate(clientB, "b", true);
        // a "dies": it stops without releasing, so from the server's side it simply stops renewing
        a.close();
        ZonedDateTime lastRenew = lease().getSpec().getRenewTime();
        assertThat(lease().getSpec().getHolderIdentity()).isEqualTo("a");
        Eventually.await("b takes over the expired lease", TIMEOUT, b::isLeader);
        Lease taken = lease();
        assertThat(taken.getSpec().getHolderIdentity()).isEqualTo("b");
        // as client-go, a candidate counts the lease duration from when it last saw the record change,
        // which is at most one retry period before a's last renewal landed
        assertThat(taken.getSpec().getAcquireTime()).as("not before a's lease ran out")
                .isAfterOrEqualTo(lastRenew.plus(LEASE).minus(RETRY));
        assertThat(taken.getSpec().getLeaseTransitions()).isEqualTo(1);
        b.close();
    }

    @Test
    void configDefaultsAndChecksAreUpstreams() {
        var defaults = LeaderElectionConfig.defaults("kube-system", "skiff-scheduler", "node-1");
        assertThat(defaults.leaseDuration()).isEqualTo(Duration.ofSeconds(15));
        assertThat(defaults.renewDeadline()).isEqualTo(Duration.ofSeconds(10));
        assertThat(defaults.retryPeriod()).isEqualTo(Duration.ofSeconds(2));
        assertThat(defaults.releaseOnCancel()).isTrue();
        assertThatThrownBy(() -> new LeaderElectionConfig("ns", "n", "id", Duration.ofSeconds(10), Duration.ofSeconds(10),
                Duration.ofSeconds(2), true)).hasMessage("leaseDuration must be greater than renewDeadline");
        assertThatThrownBy(() -> new LeaderElectionConfig("ns", "n", "id", Duration.ofSeconds(15), Duration.ofSeconds(2),
                Duration.ofSeconds(2), true)).hasMessage("renewDeadline must be greater than retryPeriod*JitterFactor");
        assertThatThrownBy(() -> new LeaderElectionConfig("ns", "n", "", Duration.ofSeconds(15), Duration.ofSeconds(10),
                Duration.ofSeconds(2), true)).hasMessage("Lock identity is empty");
    }
}
