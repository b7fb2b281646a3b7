package dev.skiff.apiserver.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.skiff.apiserver.admission.podsecurity.PodSecurity;
import dev.skiff.apiserver.admission.podsecurity.PodSecurityConfiguration;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * kube-apiserver's {@code --admission-control-config-file}: an apiserver.config.k8s.io/v1
 * AdmissionConfiguration listing plugins by name, each with its configuration inline
 * ({@code configuration:}) or in a file ({@code path:}, relative to the configuration file's
 * directory). Skiff's only configurable plugin is PodSecurity; a configuration for a plugin skiff
 * does not run is refused rather than silently ignored.
 */
public record AdmissionConfiguration(PodSecurityConfiguration podSecurity) {
    public static final AdmissionConfiguration DEFAULT = new AdmissionConfiguration(PodSecurityConfiguration.DEFAULT);
    private static final Set<String> API_VERSIONS = Set.of("apiserver.config.k8s.io/v1", "apiserver.config.k8s.io/v1alpha1",
            "apiserver.k8s.io/v1alpha1");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** Reads and validates the file; IllegalArgumentException with a one-line reason when it cannot be used. */
    public static AdmissionConfiguration read(Path file) {
        JsonNode root = parse(file);
        String apiVersion = root.path("apiVersion").asText("");
        String kind = root.path("kind").asText("");
        if (!API_VERSIONS.contains(apiVersion) || !kind.equals("AdmissionConfiguration")) {
            throw new IllegalArgumentException(file + ": expected kind \"AdmissionConfiguration\" in one of " + API_VERSIONS.stream().sorted().toList()
                    + ", got kind \"" + kind + "\" apiVersion \"" + apiVersion + "\"");
        }
        PodSecurityConfiguration podSecurity = PodSecurityConfiguration.DEFAULT;
        Set<String> seen = new HashSet<>();
        for (JsonNode plugin : root.path("plugins")) {
            String name = plugin.path("name").asText("");
            if (!seen.add(name)) {
                throw new IllegalArgumentException(file + ": plugin \"" + name + "\" configured more than once");
            }
            if (!name.equals(PodSecurity.NAME)) {
                throw new IllegalArgumentException(file + ": plugin \"" + name + "\" has no configuration skiff can apply (it configures only "
                        + PodSecurity.NAME + ")");
            }
            JsonNode configuration = plugin.has("configuration") ? plugin.get("configuration")
                    : plugin.hasNonNull("path") ? parse(file.toAbsolutePath().getParent().resolve(plugin.get("path").asText())) : null;
            if (configuration == null) {
                continue;
            }
            try {
                podSecurity = PodSecurityConfiguration.from(configuration);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ": plugin \"" + name + "\": " + e.getMessage());
            }
        }
        return new AdmissionConfiguration(podSecurity);
    }

    private static JsonNode parse(Path file) {
        try {
            JsonNode node = YAML.readTree(Files.readString(file));
            if (node == null || !node.isObject()) {
                throw new IllegalArgumentException(file + ": not a YAML or JSON object");
            }
            return node;
        } catch (IOException e) {
            String reason = e instanceof java.nio.file.NoSuchFileException ? "no such file"
                    : e.getMessage().lines().findFirst().orElse(e.toString());
            throw new IllegalArgumentException("reading admission configuration " + file + ": " + reason);
        }
    }
}
