package dev.skiff.cli;

import picocli.CommandLine.IVersionProvider;

/** skiff's own version, from the jar manifest (the Maven project version). */
public final class Version implements IVersionProvider {
    public static String skiff() {
        String v = Version.class.getPackage().getImplementationVersion();
        return v != null ? v : "dev";
    }

    @Override
    public String[] getVersion() {
        return new String[] {"skiff " + skiff(), "java " + Runtime.version()};
    }
}
