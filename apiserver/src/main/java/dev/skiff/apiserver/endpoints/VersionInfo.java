package dev.skiff.apiserver.endpoints;

import java.util.Locale;

/**
 * The body of {@code /version}, field for field as upstream's version.Info (1.33 added the
 * emulation and min-compatibility fields). kubectl reads major/minor and gitVersion for its
 * version-skew warning; the dispatcher on this machine picks kubectl.1.NN from minor.
 */
public record VersionInfo(String major, String minor, String emulationMajor, String emulationMinor,
                          String minCompatibilityMajor, String minCompatibilityMinor, String gitVersion,
                          String gitCommit, String gitTreeState, String buildDate, String goVersion,
                          String compiler, String platform) {

    public static final int KUBERNETES_MAJOR = 1;
    public static final int KUBERNETES_MINOR = 33;

    /**
     * skiff serving the Kubernetes 1.33 API. gitVersion is valid semver with skiff in its build
     * metadata, as k3s does ("v1.33.0+k3s1"); goVersion and compiler name the Java runtime,
     * because nothing here was built by Go and clients only display these fields.
     */
    public static VersionInfo of(String gitCommit, String buildDate) {
        return new VersionInfo(String.valueOf(KUBERNETES_MAJOR), String.valueOf(KUBERNETES_MINOR),
                String.valueOf(KUBERNETES_MAJOR), String.valueOf(KUBERNETES_MINOR),
                String.valueOf(KUBERNETES_MAJOR), String.valueOf(KUBERNETES_MINOR - 1),
                "v" + KUBERNETES_MAJOR + "." + KUBERNETES_MINOR + ".0+skiff",
                gitCommit, "clean", buildDate, "java" + Runtime.version().feature(), "javac",
                "linux/" + goArch(System.getProperty("os.arch")));
    }

    static String goArch(String javaArch) {
        return switch (javaArch.toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            case "ppc64le" -> "ppc64le";
            case "s390x" -> "s390x";
            case "riscv64" -> "riscv64";
            default -> javaArch;
        };
    }
}
