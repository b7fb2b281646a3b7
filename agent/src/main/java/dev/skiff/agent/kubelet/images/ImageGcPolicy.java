package dev.skiff.agent.kubelet.images;

import java.time.Duration;

/**
 * The band image garbage collection keeps the image filesystem in (upstream: images.ImageGCPolicy): at or above
 * {@code highThresholdPercent} disk usage, unused images are removed until usage is down to {@code lowThresholdPercent};
 * an image younger than {@code minAge} is never removed (it may have just been pulled for a container about to start),
 * and with {@code maxAge} above zero an image unused for longer than it is removed whatever the usage.
 * Checked as upstream's NewImageGCManager checks it; the kubelet's flag validation is stricter (low below high).
 */
public record ImageGcPolicy(int highThresholdPercent, int lowThresholdPercent, Duration minAge, Duration maxAge) {
    /** The kubelet's defaults: --image-gc-high-threshold 85, --image-gc-low-threshold 80, --image-minimum-gc-age 2m, no maximum age. */
    public static final ImageGcPolicy DEFAULTS = new ImageGcPolicy(85, 80, Duration.ofMinutes(2), Duration.ZERO);

    public ImageGcPolicy {
        if (highThresholdPercent < 0 || highThresholdPercent > 100) {
            throw new IllegalArgumentException("invalid HighThresholdPercent " + highThresholdPercent + ", must be in range [0-100]");
        }
        if (lowThresholdPercent < 0 || lowThresholdPercent > 100) {
            throw new IllegalArgumentException("invalid LowThresholdPercent " + lowThresholdPercent + ", must be in range [0-100]");
        }
        if (lowThresholdPercent > highThresholdPercent) {
            throw new IllegalArgumentException("LowThresholdPercent " + lowThresholdPercent + " can not be higher than HighThresholdPercent "
                    + highThresholdPercent);
        }
        if (minAge.isNegative() || maxAge.isNegative()) {
            throw new IllegalArgumentException("image GC ages must not be negative");
        }
    }

    /** Upstream's kubelet turns image garbage collection off when the high threshold is 100%. */
    public boolean disabled() {
        return highThresholdPercent == 100;
    }
}
