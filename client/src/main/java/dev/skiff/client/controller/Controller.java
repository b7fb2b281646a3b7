package dev.skiff.client.controller;

import dev.skiff.client.workqueue.RateLimitingQueue;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loop every upstream controller runs: informer handlers enqueue {@code namespace/name} keys,
 * workers take a key, call {@link Reconciler#sync}, then forget the key on success or requeue it
 * rate-limited on failure, up to {@code maxRetries} (after which the key is dropped until the next
 * informer event, as upstream's controllers do). A key is never synced by two workers at once.
 */
public final class Controller implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Controller.class);

    /** One controller's logic: make the world match the object named by {@code key}; idempotent. */
    @FunctionalInterface
    public interface Reconciler {
        void sync(String key) throws Exception;
    }

    private final String name;
    private final Reconciler reconciler;
    private final RateLimitingQueue<String> queue;
    private final int maxRetries;
    private final List<Thread> workers = new ArrayList<>(); // guarded by this
    private volatile boolean closed;

    public Controller(String name, Reconciler reconciler, RateLimitingQueue<String> queue, int maxRetries) {
        this.name = name;
        this.reconciler = reconciler;
        this.queue = queue;
        this.maxRetries = maxRetries;
    }

    /** Queues the object's key (upstream's cache.MetaNamespaceKeyFunc). */
    public void enqueue(HasMetadata object) {
        queue.add(Cache.metaNamespaceKeyFunc(object));
    }

    /** An informer handler that queues the key of every added, updated (including resync) and deleted object. */
    public <T extends HasMetadata> ResourceEventHandler<T> enqueueingHandler() {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                enqueue(obj);
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                enqueue(newObj);
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                enqueue(obj);
            }
        };
    }

    /**
     * Waits until every informer has listed once (upstream's WaitForCacheSync), then starts
     * {@code threads} virtual-thread workers; returns false without starting when the caches do
     * not sync within {@code timeout}, or once the controller is closed. The wait holds no lock, so
     * {@link #close} never waits for caches that may never sync (a list the store cannot answer).
     */
    public boolean run(int threads, List<? extends SharedIndexInformer<?>> informers, Duration timeout)
            throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (!informers.stream().allMatch(SharedIndexInformer::hasSynced)) {
            if (closed) {
                return false;
            }
            if (Instant.now().isAfter(deadline)) {
                log.warn("controller={} caches did not sync within {}; not starting", name, timeout);
                return false;
            }
            Thread.sleep(10);
        }
        synchronized (this) {
            if (closed) {
                return false;
            }
            for (int i = 0; i < threads; i++) {
                workers.add(Thread.ofVirtual().name(name + "-worker-" + i).start(this::work));
            }
        }
        log.info("controller={} started workers={}", name, threads);
        return true;
    }

    /** {@link #run} on its own virtual thread named {@code <name>-start}: starters return at once, workers start once caches sync. */
    public void start(int threads, List<? extends SharedIndexInformer<?>> informers, Duration timeout) {
        Thread.ofVirtual().name(name + "-start").start(() -> {
            try {
                run(threads, informers, timeout);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    private void work() {
        try {
            while (processNextWorkItem()) {
                // next
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Takes one key and syncs it; false once the queue is shut down. */
    boolean processNextWorkItem() throws InterruptedException {
        Optional<String> next = queue.get();
        if (next.isEmpty()) {
            return false;
        }
        String key = next.get();
        try {
            reconciler.sync(key);
            queue.forget(key);
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            if (queue.numRequeues(key) < maxRetries) {
                log.info("controller={} key={} sync failed, retrying with backoff: {}", name, key, e.toString());
                queue.addRateLimited(key);
            } else {
                log.warn("controller={} key={} dropped after {} retries: {}", name, key, maxRetries, e.toString());
                queue.forget(key);
            }
        } finally {
            queue.done(key);
        }
        return true;
    }

    /** Shuts the queue down, ends a {@link #run} still waiting for caches, and waits for the workers to finish their current key. */
    @Override
    public void close() throws InterruptedException {
        List<Thread> started;
        synchronized (this) {
            closed = true;
            queue.shutDown();
            started = List.copyOf(workers);
            workers.clear();
        }
        for (Thread worker : started) {
            worker.join();
        }
    }

    /** Splits a {@code namespace/name} key (upstream's cache.SplitMetaNamespaceKey); namespace is empty for cluster-scoped keys. */
    public record ObjectKey(String namespace, String name) {
        public static ObjectKey parse(String key) {
            String[] parts = key.split("/", -1);
            return switch (parts.length) {
                case 1 -> new ObjectKey("", parts[0]);
                case 2 -> new ObjectKey(parts[0], parts[1]);
                default -> throw new IllegalArgumentException("unexpected key format: \"" + key + "\"");
            };
        }
    }
}
