package dev.skiff.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL the process holding the embedded store while writers and a watcher run, again and again.
 * After every restart each acknowledged write must be there, the revision must not go back, and a
 * watcher resuming from the last revision it saw must see every change once, in order.
 */
class StoreCrashTest {
    private static final int ROUNDS = 20;
    private static final int WRITERS = 8;
    private static final ByteSequence PREFIX = bytes("/crash/");

    @TempDir
    Path dir;

    /** A change as the watcher saw it. */
    private record Seen(long revision, String key) {
    }

    @Test
    void acknowledgedWritesSurviveSigkillAndWatchersResumeWithoutGaps() throws Exception {
        var random = new Random(20261123);
        int port = SkiffProcess.freePort();
        String[] args = {"--data-dir", dir.resolve("data").toString(), "--etcd-listen-client-url", "http://127.0.0.1:" + port};
        var log = dir.resolve("server.log");
        Map<String, Long> acknowledged = new ConcurrentHashMap<>();
        List<Seen> watched = new CopyOnWriteArrayList<>();
        var lastWatched = new AtomicLong(0);
        long lastAckedRevision = 0;
        long lastRevisionAfterRestart = 0;

        for (int round = 0; round < ROUNDS; round++) {
            var server = SkiffProcess.server(log, args);
            try (var client = Client.builder().endpoints("http://127.0.0.1:" + port).build()) {
                long revision = client.getKVClient().get(PREFIX).get(20, TimeUnit.SECONDS).getHeader().getRevision();
                assertThat(revision).as("revision after restart %d", round).isGreaterThanOrEqualTo(Math.max(lastAckedRevision, lastRevisionAfterRestart));
                lastRevisionAfterRestart = revision;
                assertAllAcknowledgedPresent(client, acknowledged);

                var watch = startWatcher(client, lastWatched, watched);
                var stop = new AtomicBoolean();
                final int r = round;
                try (var writers = Executors.newVirtualThreadPerTaskExecutor()) {
                    for (int w = 0; w < WRITERS; w++) {
                        final int writer = w;
                        writers.submit(() -> {
                            for (int i = 0; !stop.get(); i++) {
                                String key = "/crash/r" + r + "/w" + writer + "/" + i;
                                try {
                                    long rev = client.getKVClient().put(bytes(key), bytes(key)).get(10, TimeUnit.SECONDS).getHeader().getRevision();
                                    acknowledged.put(key, rev);
                                } catch (Exception e) {
                                    return; // the server died under this write: not acknowledged
                                }
                            }
                        });
                    }
                    SkiffProcess.sleep(300 + random.nextInt(1200));
                    server.kill();
                    stop.set(true);
                }
                watch.close();
            } finally {
                server.close();
            }
            lastAckedRevision = acknowledged.values().stream().mapToLong(Long::longValue).max().orElse(0);
        }

        // One last restart: the watcher catches up to the end and everything is checked against the store.
        try (var server = SkiffProcess.server(log, args);
             var client = Client.builder().endpoints("http://127.0.0.1:" + port).build()) {
            assertAllAcknowledgedPresent(client, acknowledged);
            var all = client.getKVClient().get(PREFIX, GetOption.builder().isPrefix(true).build()).get(30, TimeUnit.SECONDS);
            long finalRevision = all.getHeader().getRevision();
            try (var watch = startWatcher(client, lastWatched, watched)) {
                var deadline = Instant.now().plus(Duration.ofSeconds(60));
                while (lastWatched.get() < finalRevision && Instant.now().isBefore(deadline)) {
                    SkiffProcess.sleep(50);
                }
            }
            Map<String, Long> inStore = new HashMap<>();
            all.getKvs().forEach(kv -> inStore.put(kv.getKey().toString(StandardCharsets.UTF_8), kv.getModRevision()));

            assertThat(acknowledged.size()).as("acknowledged writes").isGreaterThan(ROUNDS * WRITERS);
            assertThat(inStore).containsAllEntriesOf(acknowledged);
            var revisions = watched.stream().mapToLong(Seen::revision).toArray();
            for (int i = 1; i < revisions.length; i++) {
                assertThat(revisions[i]).as("watch event %d after %d", revisions[i], revisions[i - 1]).isGreaterThan(revisions[i - 1]);
            }
            Map<String, Long> seenByWatch = new HashMap<>();
            watched.forEach(s -> seenByWatch.put(s.key(), s.revision()));
            assertThat(seenByWatch).as("every stored change seen once by the resuming watcher").isEqualTo(inStore);
            System.out.printf("crash test: rounds=%d acknowledged=%d stored=%d watched=%d finalRevision=%d%n",
                    ROUNDS, acknowledged.size(), inStore.size(), watched.size(), finalRevision);
        }
    }

    private static Watch.Watcher startWatcher(Client client, AtomicLong lastWatched, List<Seen> watched) {
        var option = WatchOption.builder().isPrefix(true).withRevision(lastWatched.get() + 1).build();
        return client.getWatchClient().watch(PREFIX, option, response -> {
            for (WatchEvent event : response.getEvents()) {
                long rev = event.getKeyValue().getModRevision();
                watched.add(new Seen(rev, event.getKeyValue().getKey().toString(StandardCharsets.UTF_8)));
                lastWatched.set(rev);
            }
        });
    }

    private static void assertAllAcknowledgedPresent(Client client, Map<String, Long> acknowledged) throws Exception {
        var kvs = client.getKVClient().get(PREFIX, GetOption.builder().isPrefix(true).build()).get(30, TimeUnit.SECONDS).getKvs();
        Map<String, Long> present = new HashMap<>();
        kvs.forEach(kv -> present.put(kv.getKey().toString(StandardCharsets.UTF_8), kv.getModRevision()));
        var missing = new ArrayList<String>();
        acknowledged.forEach((key, rev) -> {
            if (!rev.equals(present.get(key))) {
                missing.add(key + "@" + rev);
            }
        });
        assertThat(missing).as("acknowledged writes missing after SIGKILL").isEmpty();
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }
}
