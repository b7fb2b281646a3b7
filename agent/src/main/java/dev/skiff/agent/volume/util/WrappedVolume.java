package dev.skiff.agent.volume.util;

import dev.skiff.agent.volume.Volume;
import dev.skiff.agent.volume.emptydir.EmptyDir;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/**
 * A volume of API data (configMap, secret, downwardAPI, projected) as upstream builds them: an
 * emptyDir underneath (tmpfs where the data is secret) and the files written by {@link AtomicWriter}
 * from what {@link Payload} reads at each setUp, so a changed source shows up at the next setUp.
 * Always mounted read-only.
 */
public final class WrappedVolume implements Volume {
    /** Reads the volume's files from their source; an error (missing object, missing key) fails the setUp. */
    @FunctionalInterface
    public interface Payload {
        Map<String, FileProjection> read() throws IOException;
    }

    private final EmptyDir dir;
    private final Payload payload;
    private final Clock clock;

    /** @param dir the emptyDir the files go on */
    public WrappedVolume(EmptyDir dir, Payload payload, Clock clock) {
        this.dir = dir;
        this.payload = payload;
        this.clock = clock;
    }

    @Override
    public Path path() {
        return dir.path();
    }

    @Override
    public boolean readOnly() {
        return true;
    }

    @Override
    public void setUp() throws IOException {
        Map<String, FileProjection> files = payload.read(); // read first: a failed read leaves no half-made volume
        dir.setUp();
        new AtomicWriter(dir.path(), clock).write(files);
    }

    @Override
    public void tearDown() throws IOException {
        dir.tearDown();
    }
}
