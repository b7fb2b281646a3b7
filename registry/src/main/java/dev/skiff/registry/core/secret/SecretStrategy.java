package dev.skiff.registry.core.secret;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.skiff.api.core.v1.ServiceAccountTokenSecret;
import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.registry.core.configmap.ConfigMapStrategy;
import dev.skiff.registry.generic.Strategy;
import dev.skiff.registry.storage.Resource;
import io.fabric8.kubernetes.api.model.Secret;
import java.io.IOException;
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
 * never stored, data keys are config keys, the data holds at most 1 MiB, {@code immutable} secrets
 * keep their data, and each well-known type has the keys it needs (ValidateSecret): a
 * service-account token names its account in an annotation, docker configs hold JSON, tls a
 * certificate and key, basic-auth a username or password, ssh-auth a private key.
 */
public final class SecretStrategy implements Strategy<Secret> {
    public static final Resource<Secret> RESOURCE = Resource.of("", "secrets", "Secret", true, Secret.class, Secret::new);
    private static final String IMMUTABLE = "field is immutable when `immutable` is set";
    private static final ObjectReader JSON_OBJECT = new ObjectMapper().readerFor(Map.class)
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

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
        Map<String, String> data = orEmpty(secret.getData());
        long size = 0;
        for (var entry : data.entrySet()) {
            causes.addAll(ConfigMapStrategy.keyErrors("data[" + entry.getKey() + "]", entry.getKey()));
            size += ConfigMapStrategy.decodedLength(entry.getValue()); // the values only, as upstream
        }
        if (size > ConfigMapStrategy.MAX_SIZE) {
            causes.add(Cause.tooLong("data", ConfigMapStrategy.MAX_SIZE));
        }
        switch (secret.getType() == null ? "" : secret.getType()) {
            case ServiceAccountTokenSecret.TYPE -> {
                Map<String, String> annotations = secret.getMetadata() == null ? null : secret.getMetadata().getAnnotations();
                if (annotations == null || annotations.getOrDefault(ServiceAccountTokenSecret.NAME_KEY, "").isEmpty()) {
                    causes.add(Cause.required("metadata.annotations[" + ServiceAccountTokenSecret.NAME_KEY + "]"));
                }
            }
            case "kubernetes.io/dockercfg" -> causes.addAll(json(data, ".dockercfg"));
            case "kubernetes.io/dockerconfigjson" -> causes.addAll(json(data, ".dockerconfigjson"));
            case "kubernetes.io/basic-auth" -> {
                if (!data.containsKey("username") && !data.containsKey("password")) { // either may be empty, one must be there
                    causes.add(Cause.required("data[username]"));
                    causes.add(Cause.required("data[password]"));
                }
            }
            case "kubernetes.io/ssh-auth" -> {
                if (data.getOrDefault("ssh-privatekey", "").isEmpty()) {
                    causes.add(Cause.required("data[ssh-privatekey]"));
                }
            }
            case "kubernetes.io/tls" -> {
                for (String key : List.of("tls.crt", "tls.key")) {
                    if (!data.containsKey(key)) {
                        causes.add(Cause.required("data[" + key + "]"));
                    }
                }
            }
            default -> {
            }
        }
        return causes;
    }

    /** A docker config's key: present, and a JSON object (its contents never appear in the error). */
    private static List<Cause> json(Map<String, String> data, String key) {
        String value = data.get(key);
        if (value == null) {
            return List.of(Cause.required("data[" + key + "]"));
        }
        try {
            JSON_OBJECT.readValue(Base64.getDecoder().decode(value));
            return List.of();
        } catch (IOException | IllegalArgumentException e) {
            return List.of(Cause.invalid("data[" + key + "]", "<secret contents redacted>", firstLine(e.getMessage())));
        }
    }

    private static String firstLine(String message) {
        int newline = message == null ? -1 : message.indexOf('\n');
        return newline < 0 ? String.valueOf(message) : message.substring(0, newline);
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
