package dev.skiff.client.rest;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * fabric8 clients for a skiff server, as client-go's rest.Config from a kubeconfig, with the two
 * settings skiff needs: its client keys are EC in PKCS#8 ("PRIVATE KEY"), which fabric8 reads as
 * RSA unless told; and watches go over plain HTTP streaming, as kubectl's do, because fabric8's
 * default WebSocket watch waits for an upgrade skiff does not answer.
 */
public final class RestClients {
    private RestClients() {
    }

    public static Config config(Path kubeconfig) {
        try {
            Config config = Config.fromKubeconfig(Files.readString(kubeconfig));
            config.setClientKeyAlgo("EC");
            config.setOnlyHttpWatches(true);
            return config;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static KubernetesClient fromKubeconfig(Path kubeconfig) {
        return new KubernetesClientBuilder().withConfig(config(kubeconfig)).build();
    }
}
