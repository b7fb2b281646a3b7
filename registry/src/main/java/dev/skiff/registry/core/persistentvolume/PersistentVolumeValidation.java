package dev.skiff.registry.core.persistentvolume;

import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.api.quantity.Quantities;
import dev.skiff.api.validation.NameFormats;
import io.fabric8.kubernetes.api.model.CSIPersistentVolumeSource;
import io.fabric8.kubernetes.api.model.PersistentVolumeSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Upstream's ValidatePersistentVolumeSpec and the checks PersistentVolumes share with claims
 * (access modes, volume modes, class names, quantities). The spec of a VolumeAttachment's inline
 * volume goes through the same function with {@code inline} set, as upstream.
 */
public final class PersistentVolumeValidation {
    static final List<String> ACCESS_MODES = List.of("ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod");
    static final List<String> RECLAIM_POLICIES = List.of("Delete", "Recycle", "Retain");
    public static final List<String> VOLUME_MODES = List.of("Block", "Filesystem");
    private static final String MORE_THAN_ONE = "may not specify more than 1 volume type";
    private static final int CSI_DRIVER_NAME_MAX_LENGTH = 63;

    /** The volume sources, in the order upstream checks them, by the field name its "more than 1" error names. */
    private static final Map<String, Function<PersistentVolumeSpec, Object>> SOURCES = sources();

    private PersistentVolumeValidation() {
    }

    private static Map<String, Function<PersistentVolumeSpec, Object>> sources() {
        Map<String, Function<PersistentVolumeSpec, Object>> m = new LinkedHashMap<>();
        m.put("hostPath", PersistentVolumeSpec::getHostPath);
        m.put("gcePersistentDisk", PersistentVolumeSpec::getGcePersistentDisk);
        m.put("awsElasticBlockStore", PersistentVolumeSpec::getAwsElasticBlockStore);
        m.put("glusterfs", PersistentVolumeSpec::getGlusterfs);
        m.put("flocker", PersistentVolumeSpec::getFlocker);
        m.put("nfs", PersistentVolumeSpec::getNfs);
        m.put("rbd", PersistentVolumeSpec::getRbd);
        m.put("quobyte", PersistentVolumeSpec::getQuobyte);
        m.put("cephFS", PersistentVolumeSpec::getCephfs);
        m.put("iscsi", PersistentVolumeSpec::getIscsi);
        m.put("cinder", PersistentVolumeSpec::getCinder);
        m.put("fc", PersistentVolumeSpec::getFc);
        m.put("flexVolume", PersistentVolumeSpec::getFlexVolume);
        m.put("azureFile", PersistentVolumeSpec::getAzureFile);
        m.put("vsphereVolume", PersistentVolumeSpec::getVsphereVolume);
        m.put("photonPersistentDisk", PersistentVolumeSpec::getPhotonPersistentDisk);
        m.put("portworxVolume", PersistentVolumeSpec::getPortworxVolume);
        m.put("azureDisk", PersistentVolumeSpec::getAzureDisk);
        m.put("scaleIO", PersistentVolumeSpec::getScaleIO);
        m.put("local", PersistentVolumeSpec::getLocal);
        m.put("storageos", PersistentVolumeSpec::getStorageos);
        m.put("csi", PersistentVolumeSpec::getCsi);
        return m;
    }

    /** The spec's volume source fields (everything upstream groups as PersistentVolumeSource), for immutability checks. */
    static List<Object> volumeSource(PersistentVolumeSpec spec) {
        return SOURCES.values().stream().map(f -> f.apply(spec)).toList();
    }

    /** ValidatePersistentVolumeSpec; {@code inline} for a VolumeAttachment's inlineVolumeSpec. */
    public static List<Cause> validateSpec(PersistentVolumeSpec spec, boolean inline, String path) {
        List<Cause> causes = new ArrayList<>();
        if (inline) {
            if (spec.getClaimRef() != null) {
                causes.add(Cause.forbidden(path + ".claimRef", "may not be specified in the context of inline volumes"));
            }
            if (spec.getCapacity() != null && !spec.getCapacity().isEmpty()) {
                causes.add(Cause.forbidden(path + ".capacity", "may not be specified in the context of inline volumes"));
            }
            if (spec.getCsi() == null) {
                causes.add(Cause.required(path + ".csi", "has to be specified in the context of inline volumes"));
            }
        }
        causes.addAll(validateAccessModes(spec.getAccessModes(), path + ".accessModes", ""));
        if (!inline) {
            Map<String, Quantity> capacity = spec.getCapacity() == null ? Map.of() : spec.getCapacity();
            if (capacity.isEmpty()) {
                causes.add(Cause.required(path + ".capacity"));
            }
            if (!capacity.containsKey("storage") || capacity.size() > 1) {
                causes.add(new Cause("FieldValueNotSupported", path + ".capacity",
                        "Unsupported value: " + goResourceList(capacity) + ": supported values: \"storage\""));
            }
            for (var e : new TreeMap<>(capacity).entrySet()) {
                String at = path + ".capacity[" + e.getKey() + "]";
                causes.addAll(validatePositive(e.getValue(), at));
            }
        }
        String reclaim = spec.getPersistentVolumeReclaimPolicy();
        if (reclaim != null && !reclaim.isEmpty()) {
            if (inline && !reclaim.equals("Retain")) {
                causes.add(Cause.forbidden(path + ".persistentVolumeReclaimPolicy", "may only be Retain in the context of inline volumes"));
            } else if (!inline && !RECLAIM_POLICIES.contains(reclaim)) {
                causes.add(Cause.notSupported(path + ".persistentVolumeReclaimPolicy", reclaim, RECLAIM_POLICIES));
            }
        }
        boolean nodeAffinity = false;
        if (spec.getNodeAffinity() != null) {
            if (inline) {
                causes.add(Cause.forbidden(path + ".nodeAffinity", "may not be specified in the context of inline volumes"));
            } else if (spec.getNodeAffinity().getRequired() == null) {
                causes.add(Cause.required(path + ".nodeAffinity.required", "must specify required node constraints"));
            } else {
                nodeAffinity = true;
            }
        }
        int volumes = 0;
        for (var source : SOURCES.entrySet()) {
            Object value = source.getValue().apply(spec);
            if (value == null) {
                continue;
            }
            // flexVolume is counted without the "more than one" check, as upstream
            if (volumes > 0 && !source.getKey().equals("flexVolume")) {
                causes.add(Cause.forbidden(path + "." + source.getKey(), MORE_THAN_ONE));
                continue;
            }
            volumes++;
            causes.addAll(validateSource(source.getKey(), spec, path, nodeAffinity));
        }
        if (volumes == 0) {
            causes.add(Cause.required(path, "must specify a volume type"));
        }
        if (spec.getHostPath() != null && "Recycle".equals(reclaim) && spec.getHostPath().getPath() != null
                && Path.of("/").equals(Path.of(spec.getHostPath().getPath()).normalize())) {
            causes.add(Cause.forbidden(path + ".persistentVolumeReclaimPolicy", "may not be 'recycle' for a hostPath mount of '/'"));
        }
        String className = spec.getStorageClassName();
        if (className != null && !className.isEmpty()) {
            if (inline) {
                causes.add(Cause.forbidden(path + ".storageClassName", "may not be specified in the context of inline volumes"));
            } else {
                causes.addAll(validateClassName(className, path + ".storageClassName"));
            }
        }
        String mode = spec.getVolumeMode();
        if (mode != null) {
            if (inline && !mode.equals("Filesystem")) {
                causes.add(Cause.forbidden(path + ".volumeMode",
                        "may not specify volumeMode other than Filesystem in the context of inline volumes"));
            } else if (!inline && !VOLUME_MODES.contains(mode)) {
                causes.add(Cause.notSupported(path + ".volumeMode", mode, VOLUME_MODES));
            }
        }
        return causes;
    }

    private static List<Cause> validateSource(String name, PersistentVolumeSpec spec, String path, boolean nodeAffinity) {
        List<Cause> causes = new ArrayList<>();
        switch (name) {
            case "hostPath" -> {
                if (blank(spec.getHostPath().getPath())) {
                    causes.add(Cause.required(path + ".hostPath.path"));
                }
            }
            case "nfs" -> {
                if (blank(spec.getNfs().getServer())) {
                    causes.add(Cause.required(path + ".nfs.server"));
                }
                String nfsPath = spec.getNfs().getPath();
                if (blank(nfsPath)) {
                    causes.add(Cause.required(path + ".nfs.path"));
                } else if (!nfsPath.startsWith("/")) {
                    causes.add(Cause.invalid(path + ".nfs.path", nfsPath, "must be an absolute path"));
                }
            }
            case "local" -> {
                if (blank(spec.getLocal().getPath())) {
                    causes.add(Cause.required(path + ".local.path"));
                }
                if (!nodeAffinity) {
                    causes.add(Cause.required(path + ".nodeAffinity", "Local volume requires node affinity"));
                }
            }
            case "csi" -> causes.addAll(validateCsi(spec.getCsi(), path + ".csi"));
            default -> {
                // the in-tree sources of removed or deprecated plugins are accepted as sent
            }
        }
        return causes;
    }

    private static List<Cause> validateCsi(CSIPersistentVolumeSource csi, String path) {
        List<Cause> causes = new ArrayList<>(validateCsiDriverName(csi.getDriver(), path + ".driver"));
        if (blank(csi.getVolumeHandle())) {
            causes.add(Cause.required(path + ".volumeHandle"));
        }
        return causes;
    }

    /** ValidateCSIDriverName: required, at most 63 characters, a DNS subdomain once lower-cased (an empty name fails both). */
    public static List<Cause> validateCsiDriverName(String name, String path) {
        List<Cause> causes = new ArrayList<>();
        String driver = name == null ? "" : name;
        if (driver.isEmpty()) {
            causes.add(Cause.required(path));
        }
        if (driver.length() > CSI_DRIVER_NAME_MAX_LENGTH) {
            causes.add(Cause.tooLong(path, CSI_DRIVER_NAME_MAX_LENGTH));
        }
        for (String msg : NameFormats.isDns1123Subdomain(driver.toLowerCase(Locale.ROOT))) {
            causes.add(Cause.invalid(path, driver, msg));
        }
        return causes;
    }

    /** Access modes of a volume or claim: required (with upstream's per-kind detail), supported, ReadWriteOncePod alone. */
    public static List<Cause> validateAccessModes(List<String> modes, String path, String requiredDetail) {
        List<Cause> causes = new ArrayList<>();
        if (modes == null || modes.isEmpty()) {
            causes.add(Cause.required(path, requiredDetail));
            return causes;
        }
        boolean oncePod = false;
        boolean other = false;
        for (String mode : modes) {
            if (!ACCESS_MODES.contains(mode)) {
                causes.add(Cause.notSupported(path, mode, ACCESS_MODES));
            } else if (mode.equals("ReadWriteOncePod")) {
                oncePod = true;
            } else {
                other = true;
            }
        }
        if (oncePod && other) {
            causes.add(Cause.forbidden(path, "may not use ReadWriteOncePod with other access modes"));
        }
        return causes;
    }

    /** ValidateClassName: a DNS subdomain. */
    public static List<Cause> validateClassName(String name, String path) {
        return NameFormats.isDns1123Subdomain(name).stream().map(msg -> Cause.invalid(path, name, msg)).toList();
    }

    /** A quantity that must parse and be greater than zero (ValidatePositiveQuantityValue). */
    public static List<Cause> validatePositive(Quantity q, String path) {
        if (!Quantities.isValid(q)) {
            return List.of(Cause.invalid(path, q == null ? "" : q.toString(), Quantities.FORMAT_MESSAGE));
        }
        if (Quantities.value(q).signum() <= 0) {
            return List.of(Cause.invalid(path, Quantities.canonical(q), "must be greater than zero"));
        }
        return List.of();
    }

    /** A quantity that must parse and not be negative (ValidateNonnegativeQuantity). */
    public static List<Cause> validateNonNegative(Quantity q, String path) {
        if (!Quantities.isValid(q)) {
            return List.of(Cause.invalid(path, q == null ? "" : q.toString(), Quantities.FORMAT_MESSAGE));
        }
        if (Quantities.value(q).compareTo(BigDecimal.ZERO) < 0) {
            return List.of(Cause.invalid(path, Quantities.canonical(q), "must be greater than or equal to 0"));
        }
        return List.of();
    }

    /** Go's %v of a ResourceList, as upstream prints it in a NotSupported message. */
    static String goResourceList(Map<String, Quantity> list) {
        StringBuilder sb = new StringBuilder("map[");
        String sep = "";
        for (var e : new TreeMap<>(list).entrySet()) {
            sb.append(sep).append(e.getKey()).append(':').append(Quantities.canonical(e.getValue()));
            sep = " ";
        }
        return sb.append(']').toString();
    }

    static boolean blank(String s) {
        return s == null || s.isEmpty();
    }
}
