package dev.skiff.apiserver.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.api.errors.ApiException;
import dev.skiff.apiserver.serviceaccount.ServiceAccountObjects.Getter;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashSet;
import java.util.Random;

/**
 * Upstream's ServiceAccount admission plugin (plugin/pkg/admission/serviceaccount) for pod creation:
 * a pod without spec.serviceAccountName runs as "default"; a pod naming a service account that does
 * not exist is refused (403); the service account's imagePullSecrets are copied when the pod has
 * none; and unless automountServiceAccountToken is false (on the pod, else on the service account)
 * every container and init container gets the projected volume {@code kube-api-access-xxxxx} (a
 * bound token for 3607 s, the cluster CA from kube-root-ca.crt, the namespace) read-only at
 * /var/run/secrets/kubernetes.io/serviceaccount, unless it already mounts something there. Mirror
 * pods are left as they are. The default service account is created by a controller just after its
 * namespace, so a missing "default" is looked up again for a few seconds before the pod is refused.
 */
public final class ServiceAccountAdmission implements AdmissionPlugin {
    public static final String NAME = "ServiceAccount";
    public static final String DEFAULT_SERVICE_ACCOUNT = "default";
    public static final String TOKEN_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";
    static final String VOLUME_PREFIX = "kube-api-access-";
    static final String MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror";
    /** Upstream tries 10 times; skiff's controllers start beside the API server and may need a moment longer at first start. */
    static final int DEFAULT_ACCOUNT_ATTEMPTS = 25;
    private static final String NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

    private final Getter<ServiceAccount> serviceAccounts;
    private final Random random;
    private final Duration retryInterval;

    public ServiceAccountAdmission(Getter<ServiceAccount> serviceAccounts) {
        this(serviceAccounts, new SecureRandom(), null);
    }

    /** {@code retryInterval} null: 100-200 ms at random, as upstream. */
    ServiceAccountAdmission(Getter<ServiceAccount> serviceAccounts, Random random, Duration retryInterval) {
        this.serviceAccounts = serviceAccounts;
        this.random = random;
        this.retryInterval = retryInterval;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean handles(AdmissionAttributes attributes) {
        return PodBodies.podCreate(attributes);
    }

    @Override
    public AdmissionAttributes admit(AdmissionAttributes attributes) {
        ObjectNode pod = PodBodies.tree(attributes);
        if (pod == null) {
            return attributes; // not a pod the decoder will accept: let it say why
        }
        if (pod.path("metadata").path("annotations").has(MIRROR_POD_ANNOTATION)) {
            return attributes;
        }
        JsonNode specNode = pod.path("spec");
        if (!(specNode instanceof ObjectNode spec)) {
            return attributes;
        }
        String accountName = spec.path("serviceAccountName").asText("");
        if (accountName.isEmpty()) {
            accountName = DEFAULT_SERVICE_ACCOUNT;
            spec.put("serviceAccountName", accountName);
        }
        String namespace = attributes.request().namespace();
        ServiceAccount account = lookUp(namespace, accountName);
        if (account == null) {
            throw ApiException.forbidden("pods \"" + pod.path("metadata").path("name").asText("") + "\" is forbidden: error looking up service account "
                    + namespace + "/" + accountName + ": serviceaccount \"" + accountName + "\" not found");
        }
        if (automount(account, spec)) {
            mountToken(spec);
        }
        JsonNode pullSecrets = spec.path("imagePullSecrets");
        if ((pullSecrets.isMissingNode() || pullSecrets.isNull() || pullSecrets.isEmpty())
                && account.getImagePullSecrets() != null && !account.getImagePullSecrets().isEmpty()) {
            ArrayNode copied = spec.putArray("imagePullSecrets");
            account.getImagePullSecrets().forEach(s -> copied.addObject().put("name", s.getName()));
        }
        return PodBodies.withTree(attributes, pod);
    }

    /** The service account, looked up again a few times when it is the default one (upstream's getServiceAccount); null when missing. */
    private ServiceAccount lookUp(String namespace, String name) {
        int attempts = name.equals(DEFAULT_SERVICE_ACCOUNT) ? DEFAULT_ACCOUNT_ATTEMPTS : 1;
        for (int attempt = 0; attempt < attempts; attempt++) {
            if (attempt > 0) {
                sleep();
            }
            var found = serviceAccounts.find(namespace, name);
            if (found.isPresent()) {
                return found.get();
            }
        }
        return null;
    }

    private void sleep() {
        Duration interval = retryInterval != null ? retryInterval : Duration.ofMillis(100 + random.nextInt(100));
        try {
            Thread.sleep(interval);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.internal("interrupted while looking up the service account");
        }
    }

    /** Upstream's shouldAutomount: the pod's setting wins, then the service account's, and true otherwise. */
    private static boolean automount(ServiceAccount account, ObjectNode spec) {
        JsonNode onPod = spec.get("automountServiceAccountToken");
        if (onPod != null && onPod.isBoolean()) {
            return onPod.asBoolean();
        }
        return account.getAutomountServiceAccountToken() == null || account.getAutomountServiceAccountToken();
    }

    private void mountToken(ObjectNode spec) {
        var volumeNames = new HashSet<String>();
        String volumeName = null;
        for (JsonNode volume : spec.path("volumes")) {
            String name = volume.path("name").asText("");
            volumeNames.add(name);
            if (name.startsWith(VOLUME_PREFIX)) {
                volumeName = name;
                break;
            }
        }
        if (volumeName == null) {
            volumeName = VOLUME_PREFIX + randomSuffix();
        }
        boolean needsVolume = mountIn(spec.path("initContainers"), volumeName);
        needsVolume |= mountIn(spec.path("containers"), volumeName);
        if (needsVolume && !volumeNames.contains(volumeName)) {
            ArrayNode volumes = spec.get("volumes") instanceof ArrayNode existing ? existing : spec.putArray("volumes");
            ObjectNode volume = volumes.addObject().put("name", volumeName);
            ObjectNode projected = volume.putObject("projected").put("defaultMode", 0644);
            ArrayNode sources = projected.putArray("sources");
            sources.addObject().putObject("serviceAccountToken").put("expirationSeconds", 3607).put("path", "token");
            ObjectNode configMap = sources.addObject().putObject("configMap").put("name", "kube-root-ca.crt");
            configMap.putArray("items").addObject().put("key", "ca.crt").put("path", "ca.crt");
            sources.addObject().putObject("downwardAPI").putArray("items").addObject().put("path", "namespace")
                    .putObject("fieldRef").put("apiVersion", "v1").put("fieldPath", "metadata.namespace");
        }
    }

    /** Adds the token mount to every container that has nothing at the mount path; true when any got it. */
    private static boolean mountIn(JsonNode containers, String volumeName) {
        boolean added = false;
        for (JsonNode c : containers) {
            if (!(c instanceof ObjectNode container)) {
                continue;
            }
            boolean taken = false;
            for (JsonNode mount : container.path("volumeMounts")) {
                taken |= TOKEN_MOUNT_PATH.equals(mount.path("mountPath").asText());
            }
            if (!taken) {
                ArrayNode mounts = container.get("volumeMounts") instanceof ArrayNode existing ? existing : container.putArray("volumeMounts");
                mounts.addObject().put("name", volumeName).put("readOnly", true).put("mountPath", TOKEN_MOUNT_PATH);
                added = true;
            }
        }
        return added;
    }

    /** Upstream's SimpleNameGenerator suffix: 5 characters no one reads as a word. */
    private String randomSuffix() {
        var suffix = new StringBuilder(5);
        for (int i = 0; i < 5; i++) {
            suffix.append(NAME_ALPHABET.charAt(random.nextInt(NAME_ALPHABET.length())));
        }
        return suffix.toString();
    }
}
