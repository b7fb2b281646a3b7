package dev.skiff.cli;

import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * Bad flags and failed commands end with one line on stderr and a non-zero exit, never a usage
 * dump or a stack trace: exit 2 for a bad command line, 1 for a command that failed.
 */
final class OneLineErrors implements IParameterExceptionHandler, IExecutionExceptionHandler {
    static final int USAGE = 2;
    static final int FAILED = 1;

    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        var cmd = ex.getCommandLine();
        cmd.getErr().println("skiff: " + ex.getMessage() + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
        return USAGE;
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parseResult) {
        String message = message(ex);
        // fabric8 wraps transport failures in a KubernetesClientException saying only "An error has occurred.": name the cause too
        if (ex.getCause() != null && ex.getCause() != ex && ex.getClass().getName().startsWith("io.fabric8.")) {
            message = message + ": " + message(ex.getCause());
        }
        cmd.getErr().println("skiff: " + message.lines().findFirst().orElse(message));
        return ex instanceof UsageException ? USAGE : FAILED;
    }

    private static String message(Throwable e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
