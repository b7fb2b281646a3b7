package dev.skiff.registry.core.secret;

import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.registry.core.configmap.ConfigMapStrategy;
import dev.skiff.registry.generic.Strategy;
import dev.skiff.registry.storage.Resource;
import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Secrets, the generic part of upstream's pkg/registry/core/secret: type defaults to Opaque and is
 * immutable, {@code stringData} is merged into {@code data} (as upstream's conversion does) and
 * never stored, data keys are config keys, {@code immutable} secrets keep their data. The
 * type-specific rules (service-account tokens, dockerconfigjson, tls) are not checked yet.
 */
public final class SecretStrategy implements Strategy<Secret> {
    public static final Resource<Secret> RESOURCE = Resource.of("", "secrets", "Secret", true, Secret.class, Secret::new);
    private static final String IMMUTABLE = "field is immutable when `immutable` is set";

    @Override
    public boolean namespaced() {
        return true;
    }

    @Override
    public void prepareForCreate(Secret secret) {
        normalize(secret);
    }

    @Override
    public void prepareForUpdate(Secret secret, Secret old) {
        normalize(secret);
    }

    private static void normalize(Secret secret) {
        if (secret.getType() == null || secret.getType().isEmpty()) {
            secret.setType("Opaque");
        }
        if (secret.getStringData() != null && !secret.getStringData().isEmpty()) {
            Map<String, String> data = secret.getData() == null ? new LinkedHashMap<>() : new LinkedHashMap<>(secret.getData());
            secret.getStringData().forEach((k, v) -> data.put(k, Base64.getEncoder().encodeToString(
                    (v == null ? "" : v).getBytes(StandardCharsets.UTF_8))));
            secret.setData(data);
        }
        secret.setStringData(null);
    }

    @Override
    public List<Cause> validate(Secret secret) {
        List<Cause> causes = new ArrayList<>();
        if (secret.getData() != null) {
            for (String key : secret.getData().keySet()) {
                causes.addAll(ConfigMapStrategy.keyErrors("data[" + key + "]", key));
            }
        }
        return causes;
    }

    @Override
    public List<Cause> validateUpdate(Secret secret, Secret old) {
        List<Cause> causes = new ArrayList<>();
        if (!Objects.equals(secret.getType(), old.getType())) {
            causes.add(Cause.invalid("type", secret.getType(), "field is immutable"));
        }
        if (Boolean.TRUE.equals(old.getImmutable())) {
            if (!Objects.equals(orEmpty(secret.getData()), orEmpty(old.getData()))) {
                causes.add(Cause.forbidden("data", IMMUTABLE));
            }
            if (!Boolean.TRUE.equals(secret.getImmutable())) {
                causes.add(Cause.forbidden("immutable", IMMUTABLE));
            }
        }
        causes.addAll(validate(secret));
        return causes;
    }

    private static Map<String, String> orEmpty(Map<String, String> map) {
        return map == null ? Map.of() : map;
    }
}
