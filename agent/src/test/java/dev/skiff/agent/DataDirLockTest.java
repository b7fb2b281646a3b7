package dev.skiff.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirLockTest {
    @TempDir
    Path dir;

    @Test
    void oneAgentHoldsTheDirAndNamesItsPidUntilItLetsGo() throws Exception {
        Path agentDir = dir.resolve("data/agent");
        assertThat(DataDirLock.holder(agentDir)).isEmpty();
        try (var held = DataDirLock.acquire(agentDir)) {
            assertThat(DataDirLock.holder(agentDir)).hasValue(ProcessHandle.current().pid());
            assertThat(DataDirLock.tryAcquire(agentDir)).isEmpty();
            assertThatThrownBy(() -> DataDirLock.acquire(agentDir)).isInstanceOf(IOException.class)
                    .hasMessage("an agent is already running on " + agentDir + " (pid " + ProcessHandle.current().pid() + ")");
        }
        try (var again = DataDirLock.tryAcquire(agentDir).orElseThrow()) {
            assertThat(DataDirLock.holder(agentDir)).hasValue(ProcessHandle.current().pid());
        }
    }

    @Test
    void aLockHeldByAnotherProcessIsSeenAndDroppedWhenItEnds() throws Exception {
        Path agentDir = dir.resolve("agent");
        java.nio.file.Files.createDirectories(agentDir);
        // another process holding a POSIX record lock on the whole file, as FileChannel.lock takes it on Linux
        var other = new ProcessBuilder("python3", "-c", "import fcntl,os,sys,time\n"
                + "f=open(sys.argv[1],'w'); fcntl.lockf(f, fcntl.LOCK_EX); f.write(str(os.getpid())+'\\n'); f.flush()\n"
                + "print('locked', flush=True); time.sleep(60)", agentDir.resolve(DataDirLock.FILE).toString())
                .redirectErrorStream(true).start();
        try {
            assertThat(new java.io.BufferedReader(new java.io.InputStreamReader(other.getInputStream())).readLine()).isEqualTo("locked");
            assertThat(DataDirLock.tryAcquire(agentDir)).isEmpty();
            assertThat(DataDirLock.holder(agentDir)).hasValue(other.pid());
        } finally {
            other.destroyForcibly().waitFor();
        }
        try (var free = DataDirLock.tryAcquire(agentDir).orElseThrow()) {
            assertThat(DataDirLock.holder(agentDir)).hasValue(ProcessHandle.current().pid());
        }
    }
}
