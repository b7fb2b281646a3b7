package dev.skiff.agent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;

/**
 * The agent's claim on its data dir: an exclusive lock on {@code <agent dir>/agent.lock} holding the agent's pid, taken
 * while a {@link NodeAgent} runs. The kernel drops it when the process ends however it ends (kill -9 too), so a held
 * lock means a live agent; {@code skiff killall} reads the pid to stop it first.
 */
public final class DataDirLock implements AutoCloseable {
    static final String FILE = "agent.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private DataDirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** The lock, or empty when another agent (pid in the file) holds it. */
    public static java.util.Optional<DataDirLock> tryAcquire(Path agentDir) throws IOException {
        Files.createDirectories(agentDir);
        FileChannel channel = FileChannel.open(agentDir.resolve(FILE), StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held in this very process
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            channel.close();
            return java.util.Optional.empty();
        }
        channel.truncate(0);
        channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        channel.force(false);
        return java.util.Optional.of(new DataDirLock(channel, lock));
    }

    /** As {@link #tryAcquire}, failing with which pid runs an agent on the dir. */
    public static DataDirLock acquire(Path agentDir) throws IOException {
        var lock = tryAcquire(agentDir);
        if (lock.isEmpty()) {
            throw new IOException("an agent is already running on " + agentDir + holderText(agentDir));
        }
        return lock.get();
    }

    /** The pid the lock file names (the running agent's, while the lock is held), if any. */
    public static OptionalLong holder(Path agentDir) {
        try {
            String text = Files.readString(agentDir.resolve(FILE), StandardCharsets.US_ASCII).strip();
            return text.isEmpty() ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(text));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    static String holderText(Path agentDir) {
        var pid = holder(agentDir);
        return pid.isPresent() ? " (pid " + pid.getAsLong() + ")" : "";
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
