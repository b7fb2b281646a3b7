package dev.skiff.controller.serviceaccount;

import dev.skiff.client.controller.Controller;
import dev.skiff.client.workqueue.RateLimitingQueue;
import dev.skiff.controller.ControllerContext;
import dev.skiff.controller.ControllerDescriptor;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Lister;
import java.util.List;

/**
 * Upstream's service account controller (pkg/controller/serviceaccount, "serviceaccount"): every
 * active namespace has the service account {@code default}; one deleted is created again.
 */
public final class ServiceAccountsController implements AutoCloseable {
    public static final String NAME = "serviceaccount";
    public static final ControllerDescriptor DESCRIPTOR = new ControllerDescriptor(NAME, ServiceAccountsController::start);
    static final String DEFAULT = "default";

    private final KubernetesClient client;
    private final SharedIndexInformer<Namespace> namespaces;
    private final SharedIndexInformer<ServiceAccount> accounts;
    private final Controller controller;

    private ServiceAccountsController(ControllerContext context) {
        this.client = context.client();
        RateLimitingQueue<String> queue = RateLimitingQueue.withDefaultRateLimiter(context.clock());
        this.controller = new Controller(NAME, this::sync, queue, 15);
        this.namespaces = context.informers().sharedIndexInformerFor(Namespace.class, 0);
        this.accounts = context.informers().sharedIndexInformerFor(ServiceAccount.class, 0);
        namespaces.addEventHandler(controller.enqueueingHandler());
        accounts.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(ServiceAccount sa) {
            }

            @Override
            public void onUpdate(ServiceAccount oldSa, ServiceAccount newSa) {
            }

            @Override
            public void onDelete(ServiceAccount sa, boolean finalStateUnknown) {
                if (DEFAULT.equals(sa.getMetadata().getName())) {
                    queue.add(sa.getMetadata().getNamespace());
                }
            }
        });
    }

    static AutoCloseable start(ControllerContext context) {
        var c = new ServiceAccountsController(context);
        context.runWhenSynced(c.controller, List.of(c.namespaces, c.accounts));
        return c;
    }

    void sync(String namespaceName) {
        Namespace namespace = namespaces.getIndexer().getByKey(namespaceName);
        if (namespace == null || namespace.getMetadata().getDeletionTimestamp() != null
                || (namespace.getStatus() != null && "Terminating".equals(namespace.getStatus().getPhase()))) {
            return;
        }
        if (new Lister<>(accounts.getIndexer()).namespace(namespaceName).get(DEFAULT) != null) {
            return;
        }
        try {
            client.resource(new ServiceAccountBuilder().withNewMetadata().withName(DEFAULT).withNamespace(namespaceName).endMetadata()
                    .build()).create();
        } catch (KubernetesClientException e) {
            // AlreadyExists: the cache lagged; Forbidden: the namespace began terminating
            if (e.getCode() != 409 && e.getCode() != 403 && e.getCode() != 404) {
                throw e;
            }
        }
    }

    @Override
    public void close() throws Exception {
        controller.close();
    }
}
