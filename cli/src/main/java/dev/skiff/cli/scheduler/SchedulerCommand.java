package dev.skiff.cli.scheduler;

import dev.skiff.cli.UsageException;
import dev.skiff.client.rest.RestClients;
import dev.skiff.scheduler.apis.config.KubeSchedulerConfiguration;
import dev.skiff.scheduler.app.SchedulerServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code skiff scheduler}: the scheduler alone, against any API server; flags as kube-scheduler names them. */
@Command(name = "scheduler", mixinStandardHelpOptions = true,
        description = "Run the scheduler alone against an API server (it also runs inside 'skiff server').")
public final class SchedulerCommand implements Callable<Integer> {

    @Option(names = "--kubeconfig", required = true, description = "Kubeconfig of the API server to schedule for.")
    Path kubeconfig;

    @Option(names = "--config", description = "A KubeSchedulerConfiguration file (kubescheduler.config.k8s.io/v1).")
    Path config;

    @Option(names = "--leader-elect", negatable = true, defaultValue = "true", fallbackValue = "true", arity = "0..1",
            description = "Take the Lease kube-system/kube-scheduler before scheduling, so several schedulers can run (default: ${DEFAULT-VALUE}).")
    boolean leaderElect;

    @Override
    public Integer call() throws Exception {
        KubeSchedulerConfiguration configuration = configuration(config);
        if (!Files.isReadable(kubeconfig)) {
            throw new UsageException("invalid value for --kubeconfig: cannot read " + kubeconfig);
        }
        var client = RestClients.fromKubeconfig(kubeconfig);
        var stopped = new CountDownLatch(1);
        try (client; var scheduler = SchedulerServer.start(client, configuration, leaderElect)) {
            Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
                scheduler.close();
                stopped.countDown();
            }));
            stopped.await();
        }
        return 0;
    }

    /** The configuration file, parsed and defaulted; upstream's defaults without one. */
    public static KubeSchedulerConfiguration configuration(Path file) {
        if (file == null) {
            return KubeSchedulerConfiguration.defaults();
        }
        try {
            return KubeSchedulerConfiguration.parse(Files.readString(file));
        } catch (IOException e) {
            throw new UsageException("invalid value for --config: cannot read " + file + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new UsageException("invalid value for --config: " + e.getMessage());
        }
    }
}
