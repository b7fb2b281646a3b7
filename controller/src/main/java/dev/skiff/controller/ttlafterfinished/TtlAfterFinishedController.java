package dev.skiff.controller.ttlafterfinished;

import dev.skiff.client.controller.Controller;
import dev.skiff.client.rest.RawRequests;
import dev.skiff.client.workqueue.RateLimitingQueue;
import dev.skiff.controller.ControllerContext;
import dev.skiff.controller.ControllerDescriptor;
import dev.skiff.controller.job.JobConditions;
import io.fabric8.kubernetes.api.model.DeleteOptionsBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Lister;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Upstream's TTL-after-finished controller (pkg/controller/ttlafterfinished): deletes a finished job
 * {@code ttlSecondsAfterFinished} after its Complete or Failed condition, re-reading the job from the
 * API first so that a TTL changed meanwhile is honoured. As upstream, the delete is a cascading
 * Foreground one (the garbage collector deletes the job's pods before the job goes) with a uid
 * precondition, so a job recreated under the same name since that read is never deleted.
 */
public final class TtlAfterFinishedController implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TtlAfterFinishedController.class);
    public static final String NAME = "ttl-after-finished";
    public static final ControllerDescriptor DESCRIPTOR = new ControllerDescriptor(NAME, TtlAfterFinishedController::start);

    private final KubernetesClient client;
    private final Clock clock;
    private final SharedIndexInformer<Job> informer;
    private final Lister<Job> jobs;
    private final RateLimitingQueue<String> queue;
    private final Controller controller;

    private TtlAfterFinishedController(ControllerContext context) {
        this.client = context.client();
        this.clock = context.clock();
        this.queue = RateLimitingQueue.withDefaultRateLimiter(clock);
        this.controller = new Controller(NAME, this::sync, queue, 15);
        this.informer = context.informers().sharedIndexInformerFor(Job.class, 0);
        this.jobs = new Lister<>(informer.getIndexer());
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Job job) {
                if (needsCleanup(job)) {
                    controller.enqueue(job);
                }
            }

            @Override
            public void onUpdate(Job oldJob, Job newJob) {
                onAdd(newJob);
            }

            @Override
            public void onDelete(Job job, boolean finalStateUnknown) {
            }
        });
    }

    static AutoCloseable start(ControllerContext context) {
        var c = new TtlAfterFinishedController(context);
        context.runWhenSynced(c.controller, List.of(c.informer));
        return c;
    }

    private static boolean needsCleanup(Job job) {
        return job.getSpec().getTtlSecondsAfterFinished() != null && JobConditions.isFinished(job)
                && job.getMetadata().getDeletionTimestamp() == null;
    }

    void sync(String key) {
        var k = Controller.ObjectKey.parse(key);
        Job cached = jobs.namespace(k.namespace()).get(k.name());
        if (cached == null || !needsCleanup(cached) || !expired(key, cached)) {
            return;
        }
        // the cache may be stale (the TTL changed, the job was recreated): decide on a fresh copy
        Job fresh = client.batch().v1().jobs().inNamespace(k.namespace()).withName(k.name()).get();
        if (fresh == null || !needsCleanup(fresh) || !expired(key, fresh)) {
            return;
        }
        LOG.info("job={} cleaning up: finished and ttlSecondsAfterFinished={} passed", key, fresh.getSpec().getTtlSecondsAfterFinished());
        // the DSL's delete cannot carry preconditions: send the DeleteOptions body ourselves
        var options = new DeleteOptionsBuilder().withApiVersion("v1").withKind("DeleteOptions").withPropagationPolicy("Foreground")
                .withNewPreconditions().withUid(fresh.getMetadata().getUid()).endPreconditions().build();
        try {
            RawRequests.send(client, "DELETE", "/apis/batch/v1/namespaces/" + RawRequests.segment(k.namespace()) + "/jobs/"
                    + RawRequests.segment(k.name()), options);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e; // 409: another job by that name now; retried, the next sync reads it afresh
            }
        }
    }

    /** True once the TTL has passed; otherwise schedules the key for when it will. */
    private boolean expired(String key, Job job) {
        String type = JobConditions.finishedType(job);
        String finishedAt = JobConditions.find(job, type).getLastTransitionTime();
        if (finishedAt == null) {
            return false;
        }
        Instant expireAt = Instant.parse(finishedAt).plusSeconds(job.getSpec().getTtlSecondsAfterFinished());
        Duration left = Duration.between(clock.instant(), expireAt);
        if (left.isPositive()) {
            queue.addAfter(key, left);
            return false;
        }
        return true;
    }

    @Override
    public void close() throws Exception {
        controller.close();
    }
}
