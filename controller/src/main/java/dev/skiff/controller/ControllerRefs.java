package dev.skiff.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;

/** Controller owner references (upstream's metav1.GetControllerOf / NewControllerRef). */
public final class ControllerRefs {
    private ControllerRefs() {
    }

    /** The owner reference with controller=true, or null. */
    public static OwnerReference controllerOf(HasMetadata object) {
        if (object.getMetadata().getOwnerReferences() == null) {
            return null;
        }
        return object.getMetadata().getOwnerReferences().stream().filter(r -> Boolean.TRUE.equals(r.getController())).findFirst().orElse(null);
    }

    /** Whether {@code object}'s controller reference names {@code owner}'s uid. */
    public static boolean isControlledBy(HasMetadata object, HasMetadata owner) {
        OwnerReference ref = controllerOf(object);
        return ref != null && owner.getMetadata().getUid().equals(ref.getUid());
    }

    /** A reference making {@code owner} the controller of a new object, blocking the owner's foreground deletion. */
    public static OwnerReference newControllerRef(HasMetadata owner, String apiVersion, String kind) {
        return new OwnerReferenceBuilder().withApiVersion(apiVersion).withKind(kind).withName(owner.getMetadata().getName())
                .withUid(owner.getMetadata().getUid()).withController(true).withBlockOwnerDeletion(true).build();
    }
}
