package dev.skiff.cli.controller;

import dev.skiff.apiserver.pki.ClusterPki;
import dev.skiff.apiserver.serviceaccount.LegacyTokens;
import dev.skiff.cli.UsageException;
import dev.skiff.client.rest.RestClients;
import dev.skiff.controller.ControllerManager;
import dev.skiff.controller.ControllerOptions;
import dev.skiff.controller.nodeipam.cidrset.CidrSet;
import dev.skiff.controller.Controllers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code skiff controller-manager}: the controllers alone, against any API server; flags as kube-controller-manager names them. */
@Command(name = "controller-manager", mixinStandardHelpOptions = true,
        description = "Run the controllers alone against an API server (they also run inside 'skiff server').")
public final class ControllerManagerCommand implements Callable<Integer> {

    @Option(names = "--kubeconfig", required = true, description = "Kubeconfig of the API server.")
    Path kubeconfig;

    @Option(names = "--controllers", split = ",", description = "Controllers to run: '*' for all, 'name' to add, '-name' to remove (default: *).")
    List<String> controllers = new ArrayList<>(List.of("*"));

    @Option(names = "--leader-elect", negatable = true, defaultValue = "true", fallbackValue = "true", arity = "0..1",
            description = "Take the Lease kube-system/kube-controller-manager before running (default: ${DEFAULT-VALUE}).")
    boolean leaderElect;

    @Option(names = "--concurrent-syncs", defaultValue = "5", description = "Objects each controller syncs at once (default: ${DEFAULT-VALUE}).")
    int concurrentSyncs;

    @Option(names = "--allocate-node-cidrs", description = "Give each node a pod CIDR from --cluster-cidr (node IPAM).")
    boolean allocateNodeCidrs;

    @Option(names = "--cluster-cidr", description = "The range node IPAM hands pod CIDRs from, e.g. 10.42.0.0/16.")
    String clusterCidr;

    @Option(names = "--node-cidr-mask-size", defaultValue = "24", description = "Mask size of each node's pod CIDR (default: ${DEFAULT-VALUE}).")
    int nodeCidrMaskSize;

    @Option(names = "--service-account-private-key-file",
            description = "PEM RSA private key (the API server's sa.key) that signs service-account-token secrets' tokens; "
                    + "without it the serviceaccount-token controller stays off.")
    Path serviceAccountPrivateKeyFile;

    @Mixin
    NodeLifecycleFlags nodeLifecycle = new NodeLifecycleFlags();

    @Mixin
    HorizontalPodAutoscalerFlags horizontalPodAutoscaler = new HorizontalPodAutoscalerFlags();

    @Override
    public Integer call() throws Exception {
        validate(controllers);
        var options = horizontalPodAutoscaler.applyTo(nodeLifecycle.applyTo(nodeIpam("--cluster-cidr", allocateNodeCidrs, clusterCidr,
                nodeCidrMaskSize)));
        if (concurrentSyncs < 1) {
            throw new UsageException("invalid value for --concurrent-syncs: " + concurrentSyncs + " (at least 1)");
        }
        if (!Files.isReadable(kubeconfig)) {
            throw new UsageException("invalid value for --kubeconfig: cannot read " + kubeconfig);
        }
        if (serviceAccountPrivateKeyFile != null) {
            KeyPair key = serviceAccountKey(serviceAccountPrivateKeyFile);
            options = options.withServiceAccountTokenGenerator((sa, secret) -> LegacyTokens.issue(key, sa, secret));
        }
        var stopped = new CountDownLatch(1);
        try (var client = RestClients.fromKubeconfig(kubeconfig);
             var manager = ControllerManager.start(client, controllers, leaderElect, concurrentSyncs, options)) {
            Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
                manager.close();
                stopped.countDown();
            }));
            stopped.await();
        }
        return 0;
    }

    private static KeyPair serviceAccountKey(Path file) {
        try {
            return ClusterPki.readServiceAccountKey(file);
        } catch (IOException | GeneralSecurityException e) {
            throw new UsageException("invalid value for --service-account-private-key-file: " + (e instanceof NoSuchFileException
                    ? "cannot read " + file : e.getMessage()));
        }
    }

    /** Node IPAM's options, the CIDR checked as node IPAM will use it. */
    public static ControllerOptions nodeIpam(String flag, boolean allocate, String clusterCidr, int maskSize) {
        if (!allocate) {
            return new ControllerOptions(false, clusterCidr, maskSize);
        }
        if (clusterCidr == null) {
            throw new UsageException("--allocate-node-cidrs needs --cluster-cidr");
        }
        try {
            new CidrSet(clusterCidr, maskSize);
        } catch (IllegalArgumentException e) {
            throw new UsageException("invalid value for " + flag + ": " + e.getMessage());
        }
        return new ControllerOptions(true, clusterCidr, maskSize);
    }

    /** Checks --controllers names against the known controllers. */
    public static List<String> validate(List<String> controllers) {
        try {
            ControllerManager.select(Controllers.all(), controllers);
            return controllers;
        } catch (IllegalArgumentException e) {
            throw new UsageException("invalid value for --controllers: " + e.getMessage());
        }
    }
}
