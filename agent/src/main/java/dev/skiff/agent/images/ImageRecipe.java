package dev.skiff.agent.images;

import java.nio.file.Path;
import java.util.List;

/**
 * An image to build from local files: its name as users write it, its layers (each a list of
 * entries) and the process defaults of its config.
 */
public record ImageRecipe(String name, List<List<Entry>> layers, List<String> entrypoint, List<String> cmd, List<String> env) {

    /** One file-system entry of a layer. */
    public sealed interface Entry permits Directory, HostFile, Content, Symlink {
        String path();
    }

    public record Directory(String path, int mode) implements Entry {
    }

    /** A copy of a file on this machine. */
    public record HostFile(String path, Path source, int mode) implements Entry {
    }

    public record Content(String path, byte[] bytes, int mode) implements Entry {
    }

    public record Symlink(String path, String target) implements Entry {
    }
}
