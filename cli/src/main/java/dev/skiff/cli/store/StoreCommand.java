package dev.skiff.cli.store;

import picocli.CommandLine.Command;

@Command(name = "store", mixinStandardHelpOptions = true, description = "Work with the cluster state store.",
        subcommands = SnapshotCommand.class)
public final class StoreCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }
}
