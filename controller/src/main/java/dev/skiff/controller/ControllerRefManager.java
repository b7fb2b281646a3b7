package dev.skiff.controller;

import dev.skiff.api.selector.LabelSelector;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Upstream's ControllerRefManager (pkg/controller/controller_ref_manager.go): which of the candidate
 * objects (pods, replica sets, controller revisions) a controller owns. It keeps the objects it
 * controls that still match, adopts matching orphans and releases owned objects that stopped
 * matching; "matching" is the selector and the controller's extra filter (a StatefulSet only claims
 * pods named after it). Adoption and release are strategic-merge patches of ownerReferences carrying
 * the object's uid, so an object replaced meanwhile is left for the next sync. A controller being
 * deleted neither adopts nor releases.
 */
public final class ControllerRefManager<T extends HasMetadata> {
    private final KubernetesClient client;
    private final HasMetadata controller;
    private final LabelSelector selector;
    private final Predicate<T> filter;

    public ControllerRefManager(KubernetesClient client, HasMetadata controller, LabelSelector selector, Predicate<T> filter) {
        this.client = client;
        this.controller = controller;
        this.selector = selector;
        this.filter = filter;
    }

    public ControllerRefManager(KubernetesClient client, HasMetadata controller, LabelSelector selector) {
        this(client, controller, selector, o -> true);
    }

    /** The candidates this controller owns after adopting and releasing (upstream's ClaimObject over each). */
    public List<T> claim(Collection<T> candidates) {
        String uid = controller.getMetadata().getUid();
        boolean deleting = controller.getMetadata().getDeletionTimestamp() != null;
        List<T> claimed = new ArrayList<>();
        for (T obj : candidates) {
            if (!Objects.equals(obj.getMetadata().getNamespace(), controller.getMetadata().getNamespace())) {
                continue;
            }
            OwnerReference ref = controllerRef(obj);
            Map<String, String> labels = obj.getMetadata().getLabels() == null ? Map.of() : obj.getMetadata().getLabels();
            boolean matches = selector.matches(labels) && filter.test(obj);
            if (ref != null) {
                if (!uid.equals(ref.getUid())) {
                    continue; // another controller's
                }
                if (matches) {
                    claimed.add(obj);
                } else if (!deleting) {
                    patch(obj, "{\"metadata\":{\"ownerReferences\":[{\"$patch\":\"delete\",\"uid\":\"" + uid + "\"}],\"uid\":\""
                            + obj.getMetadata().getUid() + "\"}}");
                }
            } else if (matches && !deleting && obj.getMetadata().getDeletionTimestamp() == null) {
                if (patch(obj, "{\"metadata\":{\"ownerReferences\":[" + Serialization.asJson(newControllerRef(controller))
                        + "],\"uid\":\"" + obj.getMetadata().getUid() + "\"}}")) {
                    claimed.add(obj);
                }
            }
        }
        return claimed;
    }

    private boolean patch(T obj, String patch) {
        try {
            client.resource(obj).patch(PatchContext.of(PatchType.STRATEGIC_MERGE), patch);
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404 || e.getCode() == 409 || e.getCode() == 422) {
                return false; // gone or changed meanwhile (the uid precondition): the next sync sees the truth
            }
            throw e;
        }
    }

    /** The object's controller owner reference, or null (upstream's metav1.GetControllerOf). */
    public static OwnerReference controllerRef(HasMetadata obj) {
        if (obj == null || obj.getMetadata().getOwnerReferences() == null) {
            return null;
        }
        return obj.getMetadata().getOwnerReferences().stream().filter(r -> Boolean.TRUE.equals(r.getController())).findFirst().orElse(null);
    }

    /** Whether {@code obj}'s controller reference names {@code owner}'s uid. */
    public static boolean isControlledBy(HasMetadata obj, HasMetadata owner) {
        OwnerReference ref = controllerRef(obj);
        return ref != null && owner.getMetadata().getUid().equals(ref.getUid());
    }

    /** A controller owner reference to {@code owner} with blockOwnerDeletion (upstream's metav1.NewControllerRef). */
    public static OwnerReference newControllerRef(HasMetadata owner) {
        return new OwnerReferenceBuilder().withApiVersion(HasMetadata.getApiVersion(owner.getClass())).withKind(HasMetadata.getKind(owner.getClass()))
                .withName(owner.getMetadata().getName()).withUid(owner.getMetadata().getUid()).withController(true)
                .withBlockOwnerDeletion(true).build();
    }
}
