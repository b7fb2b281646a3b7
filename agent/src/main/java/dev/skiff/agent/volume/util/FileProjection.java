package dev.skiff.agent.volume.util;

/** One file of a projected volume: its content and permission bits (upstream's volumeutil.FileProjection). */
public record FileProjection(byte[] data, int mode) {
    /** The mode upstream defaults defaultMode to for configMap, secret, downwardAPI and projected volumes (0644). */
    public static final int DEFAULT_MODE = 0644;

    /** {@code mode} when set, else {@code defaultMode} when set, else 0644. */
    public static int mode(Integer mode, Integer defaultMode) {
        return mode != null ? mode : defaultMode != null ? defaultMode : DEFAULT_MODE;
    }
}
