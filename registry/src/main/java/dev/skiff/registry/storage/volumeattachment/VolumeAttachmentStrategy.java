package dev.skiff.registry.storage.volumeattachment;

import dev.skiff.api.errors.ApiException;
import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.api.validation.NameFormats;
import dev.skiff.registry.core.persistentvolume.PersistentVolumeValidation;
import dev.skiff.registry.generic.StatusStrategy;
import dev.skiff.registry.generic.Strategy;
import dev.skiff.registry.storage.Resource;
import io.fabric8.kubernetes.api.model.storage.VolumeAttachment;
import io.fabric8.kubernetes.api.model.storage.VolumeAttachmentSource;
import io.fabric8.kubernetes.api.model.storage.VolumeAttachmentSpec;
import io.fabric8.kubernetes.api.model.storage.VolumeAttachmentStatus;
import io.fabric8.kubernetes.api.model.storage.VolumeError;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * VolumeAttachments as upstream's pkg/registry/storage/volumeattachment strategy and
 * ValidateVolumeAttachment(V1|Update): attacher a CSI driver name, exactly one source (a
 * persistentVolumeName that is a valid name, or an inline CSI volume spec), a valid nodeName, a
 * bounded status; the spec never changes. At storage.k8s.io/v1 the status is written only through
 * volumeattachments/status (the external attacher's job).
 */
public final class VolumeAttachmentStrategy implements Strategy<VolumeAttachment> {
    public static final Resource<VolumeAttachment> RESOURCE = Resource.of("storage.k8s.io", "volumeattachments", "VolumeAttachment",
            false, VolumeAttachment.class, VolumeAttachment::new);
    private static final int MAX_METADATA_SIZE = 256 * 1024;
    private static final int MAX_ERROR_MESSAGE_SIZE = 1024;
    private static final String EXACTLY_ONE = "must specify exactly one of inlineVolumeSpec and persistentVolumeName";

    @Override
    public boolean namespaced() {
        return false;
    }

    @Override
    public void prepareForCreate(VolumeAttachment attachment) {
        specOf(attachment);
        VolumeAttachmentStatus status = new VolumeAttachmentStatus();
        status.setAttached(false);
        attachment.setStatus(status);
    }

    @Override
    public void prepareForUpdate(VolumeAttachment attachment, VolumeAttachment old) {
        specOf(attachment);
        attachment.setStatus(old.getStatus());
    }

    @Override
    public List<Cause> validate(VolumeAttachment attachment) {
        VolumeAttachmentSpec spec = specOf(attachment);
        List<Cause> causes = new ArrayList<>();
        if (spec.getAttacher() == null || spec.getAttacher().isEmpty()) {
            causes.add(Cause.required("spec.attacher"));
        }
        VolumeAttachmentSource source = spec.getSource() == null ? new VolumeAttachmentSource() : spec.getSource();
        String pvName = source.getPersistentVolumeName();
        if (source.getInlineVolumeSpec() == null && pvName == null) {
            causes.add(Cause.required("spec.source", EXACTLY_ONE));
        } else if (source.getInlineVolumeSpec() != null && pvName != null) {
            causes.add(Cause.forbidden("spec.source", EXACTLY_ONE));
        } else if (pvName != null && pvName.isEmpty()) {
            causes.add(Cause.required("spec.source.persistentVolumeName", "must specify non empty persistentVolumeName"));
        } else if (source.getInlineVolumeSpec() != null) {
            causes.addAll(PersistentVolumeValidation.validateSpec(source.getInlineVolumeSpec(), true, "spec.source.inlineVolumeSpec"));
        }
        String nodeName = spec.getNodeName() == null ? "" : spec.getNodeName();
        for (String msg : NameFormats.isDns1123Subdomain(nodeName)) {
            causes.add(Cause.invalid("spec.nodeName", nodeName, msg));
        }
        causes.addAll(validateStatus(attachment.getStatus()));
        // ValidateVolumeAttachmentV1
        causes.addAll(PersistentVolumeValidation.validateCsiDriverName(spec.getAttacher(), "spec.attacher"));
        if (pvName != null) {
            for (String msg : NameFormats.isDns1123Subdomain(pvName)) {
                causes.add(Cause.invalid("spec.source.persistentVolumeName", pvName, msg));
            }
        }
        return causes;
    }

    private static List<Cause> validateStatus(VolumeAttachmentStatus status) {
        List<Cause> causes = new ArrayList<>();
        if (status == null) {
            return causes;
        }
        long size = 0;
        for (var e : (status.getAttachmentMetadata() == null ? Map.<String, String>of() : status.getAttachmentMetadata()).entrySet()) {
            size += e.getKey().length() + (e.getValue() == null ? 0 : e.getValue().length());
        }
        if (size > MAX_METADATA_SIZE) {
            causes.add(Cause.tooLong("status.attachmentMetadata", MAX_METADATA_SIZE));
        }
        causes.addAll(validateError(status.getAttachError(), "status.attachError"));
        causes.addAll(validateError(status.getDetachError(), "status.detachError"));
        return causes;
    }

    private static List<Cause> validateError(VolumeError error, String path) {
        List<Cause> causes = new ArrayList<>();
        if (error == null) {
            return causes;
        }
        if (error.getMessage() != null && error.getMessage().length() > MAX_ERROR_MESSAGE_SIZE) {
            // upstream reports the metadata limit here, not the message's own
            causes.add(Cause.tooLong(path + ".message", MAX_METADATA_SIZE));
        }
        if (error.getErrorCode() != null && error.getErrorCode() < 0) {
            causes.add(Cause.invalid(path + ".errorCode", error.getErrorCode(), "must be between 0 and 2147483647, inclusive"));
        }
        return causes;
    }

    @Override
    public List<Cause> validateUpdate(VolumeAttachment attachment, VolumeAttachment old) {
        List<Cause> causes = new ArrayList<>(validate(attachment));
        if (!Objects.equals(attachment.getSpec(), old.getSpec())) {
            causes.add(new Cause("FieldValueInvalid", "spec", "Invalid value: storage.VolumeAttachmentSpec{Attacher:"
                    + ApiException.goQuote(String.valueOf(attachment.getSpec().getAttacher())) + ", ...}: field is immutable"));
        }
        return causes;
    }

    @Override
    public Map<String, Strategy<VolumeAttachment>> subresourceStrategies() {
        return Map.of("status", new StatusStrategy<>(this, (attachment, old) -> attachment.setSpec(old.getSpec())));
    }

    private static VolumeAttachmentSpec specOf(VolumeAttachment attachment) {
        if (attachment.getSpec() == null) {
            attachment.setSpec(new VolumeAttachmentSpec());
        }
        return attachment.getSpec();
    }
}
