package dev.skiff.cli;

import dev.skiff.cli.server.ServerCommand;
import dev.skiff.cli.store.StoreCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The one skiff program; each subcommand composes components from a config record. */
@Command(name = "skiff", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "A small, fast, Kubernetes-compatible container orchestrator.",
        subcommands = {ServerCommand.class, StoreCommand.class, VersionCommand.class})
public final class Skiff implements Runnable {

    public static void main(String[] args) {
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
