package dev.skiff.registry.core.configmap;

import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.registry.generic.Strategy;
import dev.skiff.registry.storage.Resource;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/** ConfigMaps as upstream's pkg/registry/core/configmap strategy and ValidateConfigMap(Update). */
public final class ConfigMapStrategy implements Strategy<ConfigMap> {
    public static final Resource<ConfigMap> RESOURCE =
            Resource.of("", "configmaps", "ConfigMap", true, ConfigMap.class, ConfigMap::new);

    private static final String KEY_FMT = "[-._a-zA-Z0-9]+";
    private static final Pattern KEY = Pattern.compile(KEY_FMT);
    private static final String KEY_MESSAGE = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' "
            + "(e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '" + KEY_FMT + "')";
    /** v1.MaxSecretSize, shared by ConfigMaps. */
    public static final int MAX_SIZE = 1024 * 1024;
    private static final String IMMUTABLE = "field is immutable when `immutable` is set";

    @Override
    public boolean namespaced() {
        return true;
    }

    @Override
    public List<Cause> validate(ConfigMap configMap) {
        List<Cause> causes = new ArrayList<>(); // metadata, including the name, is checked by the generic registry
        Map<String, String> data = orEmpty(configMap.getData());
        Map<String, String> binary = orEmpty(configMap.getBinaryData());
        long size = 0;
        for (var entry : data.entrySet()) {
            causes.addAll(keyErrors("data[" + entry.getKey() + "]", entry.getKey()));
            size += entry.getKey().length() + (entry.getValue() == null ? 0 : entry.getValue().getBytes(StandardCharsets.UTF_8).length);
        }
        for (var entry : binary.entrySet()) {
            causes.addAll(keyErrors("binaryData[" + entry.getKey() + "]", entry.getKey()));
            if (data.containsKey(entry.getKey())) {
                causes.add(Cause.invalid("binaryData[" + entry.getKey() + "]", entry.getKey(), "duplicate of key present in data"));
            }
            size += entry.getKey().length() + decodedLength(entry.getValue());
        }
        if (size > MAX_SIZE) {
            causes.add(new Cause("FieldValueTooLong", "", "Too long: may not be more than " + MAX_SIZE + " bytes"));
        }
        return causes;
    }

    @Override
    public List<Cause> validateUpdate(ConfigMap configMap, ConfigMap old) {
        List<Cause> causes = new ArrayList<>();
        if (Boolean.TRUE.equals(old.getImmutable())) {
            if (!Objects.equals(orEmpty(configMap.getData()), orEmpty(old.getData()))) {
                causes.add(Cause.forbidden("data", IMMUTABLE));
            }
            if (!Objects.equals(orEmpty(configMap.getBinaryData()), orEmpty(old.getBinaryData()))) {
                causes.add(Cause.forbidden("binaryData", IMMUTABLE));
            }
            if (!Boolean.TRUE.equals(configMap.getImmutable())) {
                causes.add(Cause.forbidden("immutable", IMMUTABLE));
            }
        }
        causes.addAll(validate(configMap));
        return causes;
    }

    /** apimachinery's IsConfigMapKey: one cause per message, as upstream. */
    public static List<Cause> keyErrors(String field, String key) {
        List<Cause> causes = new ArrayList<>();
        if (key.length() > 253) {
            causes.add(Cause.invalid(field, key, "must be no more than 253 characters"));
        }
        if (!KEY.matcher(key).matches()) {
            causes.add(Cause.invalid(field, key, KEY_MESSAGE));
        }
        if (key.equals(".")) {
            causes.add(Cause.invalid(field, key, "must not be '.'"));
        } else if (key.equals("..")) {
            causes.add(Cause.invalid(field, key, "must not be '..'"));
        } else if (key.startsWith("..")) {
            causes.add(Cause.invalid(field, key, "must not start with '..'"));
        }
        return causes;
    }

    /** The size of base64 {@code data}'s bytes (its own length when it does not decode). */
    public static long decodedLength(String base64) {
        try {
            return base64 == null ? 0 : Base64.getDecoder().decode(base64).length;
        } catch (IllegalArgumentException e) {
            return base64.length();
        }
    }

    private static <K, V> Map<K, V> orEmpty(Map<K, V> map) {
        return map == null ? Map.of() : map;
    }
}
