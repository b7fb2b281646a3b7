package dev.skiff.controller.serviceaccount;

import dev.skiff.api.core.v1.ServiceAccountTokenSecret;
import dev.skiff.client.controller.Controller;
import dev.skiff.client.controller.Controller.ObjectKey;
import dev.skiff.client.workqueue.RateLimitingQueue;
import dev.skiff.controller.ControllerContext;
import dev.skiff.controller.ControllerDescriptor;
import dev.skiff.controller.rootcacertpublisher.RootCaCertPublisher;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Lister;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Upstream's tokens controller (pkg/controller/serviceaccount/tokens_controller.go,
 * "serviceaccount-token"): a {@code kubernetes.io/service-account-token} secret is filled with a
 * token for the service account its {@code kubernetes.io/service-account.name} annotation names,
 * with the cluster CA under {@code ca.crt} and its namespace under {@code namespace}, and gets the
 * account's uid annotation. A token secret whose account does not exist (or has another uid) is
 * deleted, so deleting a service account takes its token secrets with it. It runs only when the
 * controller manager has a signing key (--service-account-private-key-file), as upstream.
 */
public final class TokensController implements AutoCloseable {
    public static final String NAME = "serviceaccount-token";
    public static final ControllerDescriptor DESCRIPTOR = new ControllerDescriptor(NAME, TokensController::start);
    private static final Logger log = LoggerFactory.getLogger(TokensController.class);

    private final KubernetesClient client;
    private final TokenGenerator generator;
    /** The root CA as the secrets hold it (base64), encoded once. */
    private final String rootCaData;
    private final SharedIndexInformer<ServiceAccount> accounts;
    private final SharedIndexInformer<Secret> secrets;
    private final Controller controller;

    private TokensController(ControllerContext context, TokenGenerator generator, String rootCa) {
        this.client = context.client();
        this.generator = generator;
        this.rootCaData = base64(rootCa);
        RateLimitingQueue<String> queue = RateLimitingQueue.withDefaultRateLimiter(context.clock());
        this.controller = new Controller(NAME, this::sync, queue, 15);
        this.accounts = context.informers().sharedIndexInformerFor(ServiceAccount.class, 0);
        this.secrets = context.informers().sharedIndexInformerFor(Secret.class, 0);
        accounts.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(ServiceAccount sa) {
                enqueueTokensOf(sa);
            }

            @Override
            public void onUpdate(ServiceAccount oldSa, ServiceAccount newSa) {
            }

            @Override
            public void onDelete(ServiceAccount sa, boolean finalStateUnknown) {
                enqueueTokensOf(sa);
            }
        });
        secrets.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Secret secret) {
                if (ServiceAccountTokenSecret.TYPE.equals(secret.getType())) {
                    controller.enqueue(secret);
                }
            }

            @Override
            public void onUpdate(Secret oldSecret, Secret newSecret) {
                onAdd(newSecret);
            }

            @Override
            public void onDelete(Secret secret, boolean finalStateUnknown) {
            }
        });
    }

    static AutoCloseable start(ControllerContext context) {
        TokenGenerator generator = context.options().serviceAccountTokenGenerator();
        if (generator == null) {
            log.info("controller disabled: no service-account private key name={}", NAME);
            return () -> {
            };
        }
        var c = new TokensController(context, generator, RootCaCertPublisher.rootCa(context.client().getConfiguration()));
        context.runWhenSynced(c.controller, List.of(c.accounts, c.secrets));
        return c;
    }

    /** The token secrets that name {@code sa}: an account appearing or going away decides their fate. */
    private void enqueueTokensOf(ServiceAccount sa) {
        String name = sa.getMetadata().getName();
        for (Secret secret : new Lister<>(secrets.getIndexer()).namespace(sa.getMetadata().getNamespace()).list()) {
            if (ServiceAccountTokenSecret.TYPE.equals(secret.getType())
                    && name.equals(annotation(secret, ServiceAccountTokenSecret.NAME_KEY))) {
                controller.enqueue(secret);
            }
        }
    }

    void sync(String key) {
        var id = ObjectKey.parse(key);
        Secret cached = secrets.getIndexer().getByKey(key);
        if (cached == null || !ServiceAccountTokenSecret.TYPE.equals(cached.getType())
                || cached.getMetadata().getDeletionTimestamp() != null) {
            return;
        }
        ServiceAccount sa = serviceAccount(id.namespace(), annotation(cached, ServiceAccountTokenSecret.NAME_KEY),
                annotation(cached, ServiceAccountTokenSecret.UID_KEY));
        try {
            if (sa == null) {
                // only the secret the cache judged (upstream deletes with a uid precondition): one re-created meanwhile is kept
                Secret live = client.secrets().inNamespace(id.namespace()).withName(id.name()).get();
                if (live == null || !live.getMetadata().getUid().equals(cached.getMetadata().getUid())) {
                    return;
                }
                client.secrets().inNamespace(id.namespace()).withName(id.name()).delete();
                log.info("deleted token secret of a missing service account secret={} serviceaccount={}", key,
                        annotation(cached, ServiceAccountTokenSecret.NAME_KEY));
                return;
            }
            if (!needsToken(cached)) {
                return;
            }
            Secret live = client.secrets().inNamespace(id.namespace()).withName(id.name()).get(); // the cache may be stale
            if (live == null || !needsToken(live)) {
                return;
            }
            Map<String, String> data = live.getData() == null ? new LinkedHashMap<>() : new LinkedHashMap<>(live.getData());
            data.put(ServiceAccountTokenSecret.ROOT_CA_KEY, rootCaData);
            if (data.getOrDefault(ServiceAccountTokenSecret.NAMESPACE_KEY, "").isEmpty()) {
                data.put(ServiceAccountTokenSecret.NAMESPACE_KEY, base64(id.namespace()));
            }
            if (data.getOrDefault(ServiceAccountTokenSecret.TOKEN_KEY, "").isEmpty()) {
                data.put(ServiceAccountTokenSecret.TOKEN_KEY, base64(generator.generate(sa, live)));
            }
            client.resource(new SecretBuilder(live).withData(data).editMetadata()
                    .addToAnnotations(ServiceAccountTokenSecret.NAME_KEY, sa.getMetadata().getName())
                    .addToAnnotations(ServiceAccountTokenSecret.UID_KEY, sa.getMetadata().getUid()).endMetadata().build()).update();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                throw new IllegalStateException("secret " + key + " changed meanwhile", e); // retried with the new version
            }
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }

    /** The account a token secret names, from the cache or else the API server; null when gone or when the uid differs. */
    private ServiceAccount serviceAccount(String namespace, String name, String uid) {
        if (name.isEmpty()) {
            return null;
        }
        ServiceAccount sa = new Lister<>(accounts.getIndexer()).namespace(namespace).get(name);
        if (sa == null) {
            sa = client.serviceAccounts().inNamespace(namespace).withName(name).get(); // just created: the cache may lag
        }
        if (sa == null || sa.getMetadata().getDeletionTimestamp() != null || (!uid.isEmpty() && !uid.equals(sa.getMetadata().getUid()))) {
            return null;
        }
        return sa;
    }

    private boolean needsToken(Secret secret) {
        Map<String, String> data = secret.getData() == null ? Map.of() : secret.getData();
        return data.getOrDefault(ServiceAccountTokenSecret.TOKEN_KEY, "").isEmpty()
                || !rootCaData.equals(data.get(ServiceAccountTokenSecret.ROOT_CA_KEY))
                || data.getOrDefault(ServiceAccountTokenSecret.NAMESPACE_KEY, "").isEmpty()
                || annotation(secret, ServiceAccountTokenSecret.UID_KEY).isEmpty();
    }

    private static String annotation(Secret secret, String key) {
        var annotations = secret.getMetadata().getAnnotations();
        return annotations == null ? "" : annotations.getOrDefault(key, "");
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() throws Exception {
        controller.close();
    }
}
