package dev.skiff.cli;

import dev.skiff.client.rest.RestClients;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * How a node component (agent, proxy) reaches the server: with a kubeconfig, or with the server's URL
 * and its token as k3s agents join. A picocli mixin, so every node command takes the same join flags;
 * they are checked and a clear one-line error given for each misuse.
 */
public final class Join {
    @Option(names = {"--server", "-s"}, description = "URL of the server to join (with --token or --token-file) instead of --kubeconfig.")
    String server;

    @Option(names = {"--token", "-t"}, description = "The server's token (its <data-dir>/server/token).")
    String token;

    @Option(names = "--token-file", description = "A file holding the server's token.")
    Path tokenFile;

    @Option(names = "--kubeconfig", description = "Join with this kubeconfig instead of --server and --token.")
    Path kubeconfig;

    /** A client of the server the flags name. */
    public KubernetesClient connect() throws IOException {
        if (kubeconfig != null) {
            if (server != null || token != null || tokenFile != null) {
                throw new UsageException("--kubeconfig cannot be combined with --server, --token or --token-file");
            }
            if (!Files.isReadable(kubeconfig)) {
                throw new UsageException("invalid value for --kubeconfig: cannot read " + kubeconfig);
            }
            return RestClients.fromKubeconfig(kubeconfig);
        }
        if (server == null) {
            throw new UsageException("--server (with --token or --token-file) or --kubeconfig is required");
        }
        Flags.endpoint("--server", server);
        String secret = token;
        if (tokenFile != null) {
            if (token != null) {
                throw new UsageException("--token and --token-file cannot be combined");
            }
            if (!Files.isReadable(tokenFile)) {
                throw new UsageException("invalid value for --token-file: cannot read " + tokenFile);
            }
            secret = Files.readString(tokenFile).strip();
        }
        if (secret == null || secret.isEmpty()) {
            throw new UsageException("--token or --token-file is required with --server");
        }
        try {
            return RestClients.fromServerToken(server, secret);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
