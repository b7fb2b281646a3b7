package dev.skiff.controller.disruption;

import dev.skiff.client.controller.Controller;
import dev.skiff.client.workqueue.RateLimitingQueue;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.Lister;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The disruption controller's second loop (upstream's stale pod disruption cleanup): a pod whose
 * DisruptionTarget condition is True - set by an eviction, preemption or taint manager that then did
 * not delete it - for {@link #TIMEOUT} without being deleted gets the condition reset to False. Not
 * for conditions the kubelet set, nor for pods that already ended.
 */
final class StalePodDisruption {
    private static final Logger LOG = LoggerFactory.getLogger(StalePodDisruption.class);
    /** Upstream's stalePodDisruptionTimeout. */
    static final Duration TIMEOUT = Duration.ofMinutes(2);

    private final KubernetesClient client;
    private final Lister<Pod> pods;
    private final Clock clock;
    private final RateLimitingQueue<String> queue;
    private final Controller controller;

    StalePodDisruption(KubernetesClient client, Lister<Pod> pods, Clock clock) {
        this.client = client;
        this.pods = pods;
        this.clock = clock;
        this.queue = RateLimitingQueue.withDefaultRateLimiter(clock);
        this.controller = new Controller(DisruptionController.NAME + "-stale-pod-disruption", this::sync, queue, Integer.MAX_VALUE);
    }

    Controller controller() {
        return controller;
    }

    void enqueueIfStale(Pod pod) {
        Duration wait = staleAfter(pod);
        if (wait != null) {
            queue.addAfter(Cache.metaNamespaceKeyFunc(pod), wait);
        }
    }

    void sync(String key) {
        var k = Controller.ObjectKey.parse(key);
        Pod pod = pods.namespace(k.namespace()).get(k.name());
        if (pod == null) {
            return;
        }
        Duration wait = staleAfter(pod);
        if (wait == null) {
            return;
        }
        if (wait.isPositive()) {
            queue.addAfter(key, wait);
            return;
        }
        List<PodCondition> conditions = new ArrayList<>();
        for (PodCondition c : pod.getStatus().getConditions()) {
            conditions.add("DisruptionTarget".equals(c.getType())
                    ? new PodConditionBuilder().withType("DisruptionTarget").withStatus("False")
                            .withLastTransitionTime(clock.instant().truncatedTo(ChronoUnit.SECONDS).toString()).build()
                    : c);
        }
        client.resource(new PodBuilder(pod).editStatus().withConditions(conditions).endStatus().build()).updateStatus();
        LOG.info("pod={} reset stale DisruptionTarget condition to False", key);
    }

    /** How long until the pod's True DisruptionTarget condition counts as stale (zero or less: now); null when it has none that can be. */
    private Duration staleAfter(Pod pod) {
        if (pod.getMetadata().getDeletionTimestamp() != null || pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return null;
        }
        String phase = pod.getStatus().getPhase();
        if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
            return null;
        }
        PodCondition c = pod.getStatus().getConditions().stream().filter(x -> "DisruptionTarget".equals(x.getType())).findFirst().orElse(null);
        if (c == null || !"True".equals(c.getStatus()) || "TerminationByKubelet".equals(c.getReason())) {
            return null;
        }
        Instant since = c.getLastTransitionTime() == null ? Instant.EPOCH : Instant.parse(c.getLastTransitionTime());
        return Duration.between(clock.instant(), since.plus(TIMEOUT));
    }
}
