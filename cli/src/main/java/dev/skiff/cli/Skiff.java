package dev.skiff.cli;

import dev.skiff.cli.agent.AgentCommand;
import dev.skiff.cli.images.ImagesCommand;
import dev.skiff.cli.killall.KillallCommand;
import dev.skiff.cli.proxy.ProxyCommand;
import dev.skiff.cli.controller.ControllerManagerCommand;
import dev.skiff.cli.scheduler.SchedulerCommand;
import dev.skiff.cli.server.ServerCommand;
import dev.skiff.cli.store.StoreCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The one skiff program; each subcommand composes components from a config record. */
@Command(name = "skiff", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "A small, fast, Kubernetes-compatible container orchestrator.",
        subcommands = {ServerCommand.class, AgentCommand.class, ProxyCommand.class, SchedulerCommand.class, ControllerManagerCommand.class, StoreCommand.class,
                ImagesCommand.class, KillallCommand.class, VersionCommand.class})
public final class Skiff implements Runnable {
    /** grpc-java logs through java.util.logging; only its warnings belong on the console (held: JUL keeps loggers weakly). */
    private static final java.util.logging.Logger GRPC_LOG = java.util.logging.Logger.getLogger("io.grpc");

    public static void main(String[] args) {
        GRPC_LOG.setLevel(java.util.logging.Level.WARNING);
        // before any TLS in the process: JSSE reads its disabled algorithms once
        dev.skiff.apiserver.http.HandshakeSignatures.allowSha1ForClientsWithoutSignatureAlgorithms();
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code (tests call this directly). */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    public static CommandLine commandLine() {
        var cli = new CommandLine(new Skiff());
        cli.setParameterExceptionHandler(new OneLineErrors());
        cli.setExecutionExceptionHandler(new OneLineErrors());
        return cli;
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
