package dev.skiff.cli;

import picocli.CommandLine.Command;

@Command(name = "version", description = "Print skiff's version.")
final class VersionCommand implements Runnable {
    @Override
    public void run() {
        for (String line : new Version().getVersion()) {
            System.out.println(line);
        }
    }
}
