package dev.skiff.cli.images;

import dev.skiff.agent.containerd.ContainerdConfig;
import dev.skiff.agent.cri.RemoteRuntime;
import dev.skiff.agent.cri.v1.Image;
import dev.skiff.agent.cri.v1.ListImagesRequest;
import dev.skiff.agent.images.ImageImporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code skiff images}: the images of this host's node agent, in the containerd it runs under
 * {@code <data-dir>/agent/containerd} (CRI namespace k8s.io), or the one at --container-runtime-endpoint.
 * {@code import} loads OCI or docker archives as {@code ctr images import} does (k3s: {@code k3s ctr images import});
 * {@code list} shows them as {@code crictl images} does.
 */
@Command(name = "images", mixinStandardHelpOptions = true, description = "Import and list the node agent's container images.")
public final class ImagesCommand {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** Where the agent's containerd is: its data dir, or an endpoint given outright. */
    static final class Runtime {
        @Option(names = {"--data-dir", "-d"}, defaultValue = "/var/lib/skiff",
                description = "The agent's (or server's) data dir; its containerd socket is under agent/containerd (default: ${DEFAULT-VALUE}).")
        Path dataDir;

        @Option(names = "--container-runtime-endpoint", description = "A containerd socket (path or unix:// URL) instead of the agent's own.")
        String endpoint;

        Path socket() {
            if (endpoint != null) {
                return Path.of(endpoint.startsWith("unix://") ? endpoint.substring("unix://".length()) : endpoint);
            }
            return ContainerdConfig.defaults(dataDir.toAbsolutePath().resolve("agent").resolve("containerd"), null, null).socket();
        }

        /** A CRI client on a containerd that answers, or one line saying there is none. */
        RemoteRuntime connect() {
            Path socket = socket();
            String hint = endpoint != null ? "" : " (is skiff agent or skiff server running with --data-dir " + dataDir + "?)";
            if (!Files.exists(socket)) {
                throw new IllegalStateException("no containerd running: " + socket + " does not exist" + hint);
            }
            var cri = RemoteRuntime.connect(socket.toString(), TIMEOUT);
            try {
                cri.version();
                return cri;
            } catch (RuntimeException e) {
                cri.close();
                throw new IllegalStateException("no containerd answering on " + socket + hint + ": " + e.getMessage());
            }
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true, description = "Import image archives (OCI or docker format, as docker save or ctr export write).")
    int importArchives(@picocli.CommandLine.Mixin Runtime runtime,
                       @Parameters(paramLabel = "FILE", arity = "1..*", description = "Image archives (.tar, .tar.gz, ...).") List<Path> files)
            throws Exception {
        for (Path file : files) {
            if (!Files.isRegularFile(file)) {
                throw new IllegalStateException("no such file: " + file);
            }
        }
        try (var cri = runtime.connect()) {
            var importer = new ImageImporter(ImageImporter.CTR, cri.socket());
            for (Path file : files) {
                List<String> images;
                try {
                    images = importer.importArchive(file.toAbsolutePath());
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(file + " is not an image archive containerd can import: " + e.getMessage(), e);
                }
                for (String image : images) {
                    spec.commandLine().getOut().println("imported " + image + " from " + file);
                }
            }
        }
        return 0;
    }

    @Command(name = "list", aliases = "ls", mixinStandardHelpOptions = true, description = "List the images the node's containerd holds.")
    int list(@picocli.CommandLine.Mixin Runtime runtime) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"IMAGE", "TAG", "IMAGE ID", "SIZE"});
        try (var cri = runtime.connect()) {
            List<Image> images = cri.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList();
            for (Image image : images) {
                String id = image.getId().startsWith("sha256:") ? image.getId().substring(7) : image.getId();
                String shortId = id.substring(0, Math.min(13, id.length()));
                List<String> tags = image.getRepoTagsList().isEmpty() ? List.of("<none>:<none>") : image.getRepoTagsList();
                for (String tag : tags) {
                    int colon = tag.lastIndexOf(':');
                    rows.add(new String[] {tag.substring(0, colon), tag.substring(colon + 1), shortId, humanSize(image.getSize())});
                }
            }
        }
        rows.subList(1, rows.size()).sort(java.util.Comparator.comparing((String[] r) -> r[0]).thenComparing(r -> r[1]));
        int[] widths = new int[4];
        for (String[] row : rows) {
            for (int i = 0; i < 4; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            spec.commandLine().getOut().println(String.format("%-" + widths[0] + "s   %-" + widths[1] + "s   %-" + widths[2] + "s   %s", (Object[]) row).stripTrailing());
        }
        return 0;
    }

    /** Sizes as crictl prints them (go-units' HumanSize: decimal units, up to 4 significant digits). */
    static String humanSize(long bytes) {
        String[] units = {"B", "kB", "MB", "GB", "TB", "PB"};
        double size = bytes;
        int unit = 0;
        while (size >= 1000 && unit < units.length - 1) {
            size /= 1000;
            unit++;
        }
        return new java.math.BigDecimal(size).round(new java.math.MathContext(4)).stripTrailingZeros().toPlainString() + units[unit];
    }
}
