package dev.skiff.controller.rootcacertpublisher;

import dev.skiff.client.controller.Controller;
import dev.skiff.client.workqueue.RateLimitingQueue;
import dev.skiff.controller.ControllerContext;
import dev.skiff.controller.ControllerDescriptor;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Lister;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Upstream's root CA publisher (pkg/controller/certificates/rootcacertpublisher,
 * "root-ca-cert-publisher"): every active namespace has the ConfigMap {@code kube-root-ca.crt} with
 * the cluster CA under {@code ca.crt} (what projected service account token volumes mount), kept
 * equal to the CA the controller manager trusts (its kubeconfig's, as k3s passes --root-ca-file).
 */
public final class RootCaCertPublisher implements AutoCloseable {
    public static final String NAME = "root-ca-cert-publisher";
    public static final ControllerDescriptor DESCRIPTOR = new ControllerDescriptor(NAME, RootCaCertPublisher::start);
    public static final String CONFIG_MAP = "kube-root-ca.crt";
    static final String KEY = "ca.crt";
    static final String DESCRIPTION_ANNOTATION = "kubernetes.io/description";
    static final String DESCRIPTION = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints "
            + "such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes "
            + "clusters.";

    private final KubernetesClient client;
    private final String rootCa;
    private final SharedIndexInformer<Namespace> namespaces;
    private final SharedIndexInformer<ConfigMap> configMaps;
    private final Controller controller;

    private RootCaCertPublisher(ControllerContext context, String rootCa) {
        this.client = context.client();
        this.rootCa = rootCa;
        RateLimitingQueue<String> queue = RateLimitingQueue.withDefaultRateLimiter(context.clock());
        this.controller = new Controller(NAME, this::sync, queue, 15);
        this.namespaces = context.informers().sharedIndexInformerFor(Namespace.class, 0);
        this.configMaps = context.informers().sharedIndexInformerFor(ConfigMap.class, 0);
        namespaces.addEventHandler(controller.enqueueingHandler());
        configMaps.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(ConfigMap cm) {
            }

            @Override
            public void onUpdate(ConfigMap oldCm, ConfigMap newCm) {
                if (CONFIG_MAP.equals(newCm.getMetadata().getName())) {
                    queue.add(newCm.getMetadata().getNamespace());
                }
            }

            @Override
            public void onDelete(ConfigMap cm, boolean finalStateUnknown) {
                if (CONFIG_MAP.equals(cm.getMetadata().getName())) {
                    queue.add(cm.getMetadata().getNamespace());
                }
            }
        });
    }

    static AutoCloseable start(ControllerContext context) {
        var c = new RootCaCertPublisher(context, rootCa(context.client().getConfiguration()));
        context.runWhenSynced(c.controller, List.of(c.namespaces, c.configMaps));
        return c;
    }

    /** The PEM CA bundle the client trusts: the kubeconfig's certificate-authority-data or -file. */
    public static String rootCa(Config config) {
        if (config.getCaCertData() != null && !config.getCaCertData().isBlank()) {
            return new String(Base64.getDecoder().decode(config.getCaCertData().trim()), StandardCharsets.UTF_8);
        }
        if (config.getCaCertFile() != null) {
            try {
                return Files.readString(Path.of(config.getCaCertFile()));
            } catch (IOException e) {
                throw new UncheckedIOException("reading the root CA " + config.getCaCertFile(), e);
            }
        }
        throw new IllegalStateException("the controller manager's kubeconfig names no certificate authority to publish");
    }

    void sync(String namespaceName) {
        Namespace namespace = namespaces.getIndexer().getByKey(namespaceName);
        if (namespace == null || namespace.getMetadata().getDeletionTimestamp() != null) {
            return;
        }
        ConfigMap current = new Lister<>(configMaps.getIndexer()).namespace(namespaceName).get(CONFIG_MAP);
        try {
            if (current == null) {
                client.resource(new ConfigMapBuilder().withNewMetadata().withName(CONFIG_MAP).withNamespace(namespaceName)
                        .addToAnnotations(DESCRIPTION_ANNOTATION, DESCRIPTION).endMetadata().addToData(KEY, rootCa).build()).create();
            } else if (!Objects.equals(current.getData(), Map.of(KEY, rootCa)) || current.getMetadata().getAnnotations() == null
                    || !DESCRIPTION.equals(current.getMetadata().getAnnotations().get(DESCRIPTION_ANNOTATION))) {
                client.resource(new ConfigMapBuilder(current).withData(Map.of(KEY, rootCa)).editMetadata()
                        .addToAnnotations(DESCRIPTION_ANNOTATION, DESCRIPTION).endMetadata().build()).update();
            }
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                throw new IllegalStateException("configmap " + namespaceName + "/" + CONFIG_MAP + " changed meanwhile", e); // retried
            }
            if (e.getCode() != 403 && e.getCode() != 404) {
                throw e;
            }
        }
    }

    @Override
    public void close() throws Exception {
        controller.close();
    }
}
