package dev.skiff.agent.credentialprovider.secrets;

import dev.skiff.agent.credentialprovider.DockerConfig;
import dev.skiff.agent.credentialprovider.DockerKeyring;
import io.fabric8.kubernetes.api.model.Secret;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The keyring of a pod's image pull secrets (upstream: credentialprovider/secrets MakeDockerKeyring): each
 * secret's {@code .dockercfg} and {@code .dockerconfigjson} keys, whichever it has, are added in the order
 * of the pod's imagePullSecrets. The secret's type is not checked, only the keys, as upstream. A key that
 * does not parse fails the whole pull.
 */
public final class PullSecretKeyring {
    /** The key of a kubernetes.io/dockercfg secret. */
    public static final String DOCKERCFG_KEY = ".dockercfg";
    /** The key of a kubernetes.io/dockerconfigjson secret. */
    public static final String DOCKER_CONFIG_JSON_KEY = ".dockerconfigjson";

    private PullSecretKeyring() {
    }

    public static DockerKeyring of(List<Secret> secrets) throws IOException {
        DockerKeyring keyring = new DockerKeyring();
        for (Secret secret : secrets) {
            byte[] dockercfg = value(secret, DOCKERCFG_KEY);
            if (dockercfg != null && dockercfg.length > 0) {
                keyring.add(parse(secret, DOCKERCFG_KEY, dockercfg, false));
            }
            byte[] dockerConfigJson = value(secret, DOCKER_CONFIG_JSON_KEY);
            if (dockerConfigJson != null && dockerConfigJson.length > 0) {
                keyring.add(parse(secret, DOCKER_CONFIG_JSON_KEY, dockerConfigJson, true));
            }
        }
        return keyring;
    }

    private static Map<String, dev.skiff.agent.credentialprovider.AuthConfig> parse(Secret secret, String key, byte[] value, boolean json)
            throws IOException {
        try {
            return json ? DockerConfig.parseDockerConfigJson(value) : DockerConfig.parseDockercfg(value);
        } catch (IOException e) {
            throw new IOException("image pull secret " + secret.getMetadata().getNamespace() + "/" + secret.getMetadata().getName()
                    + " key " + key + ": " + e.getMessage(), e);
        }
    }

    private static byte[] value(Secret secret, String key) throws IOException {
        if (secret.getData() != null && secret.getData().get(key) != null) {
            try {
                return Base64.getDecoder().decode(secret.getData().get(key));
            } catch (IllegalArgumentException e) {
                throw new IOException("image pull secret " + secret.getMetadata().getName() + " key " + key + " is not base64");
            }
        }
        if (secret.getStringData() != null && secret.getStringData().get(key) != null) {
            return secret.getStringData().get(key).getBytes(StandardCharsets.UTF_8);
        }
        return null;
    }
}
