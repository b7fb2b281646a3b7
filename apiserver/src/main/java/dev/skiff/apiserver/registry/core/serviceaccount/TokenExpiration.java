package dev.skiff.apiserver.registry.core.serviceaccount;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * kube-apiserver's {@code --service-account-max-token-expiration} ({@code maxSeconds}, 0: no cap) and
 * {@code --service-account-extend-token-expiration} ({@code extend}, on by default): a TokenRequest
 * asking for longer than the cap gets the cap (with a warning); a pod-bound token for the API server's
 * audiences asking for 3607 s - what kubelets ask for - is issued for a year with a warnafter claim at
 * 3607 s when {@code extend} is on, even past the cap, as upstream's built-in signer does.
 */
public record TokenExpiration(long maxSeconds, boolean extend) {
    /** Upstream's ExpirationExtensionSeconds: the lifetime of an extended token. */
    public static final long EXTENDED_SECONDS = 24L * 365 * 60 * 60;
    static final long MIN_MAX_SECONDS = 60 * 60;
    static final long MAX_MAX_SECONDS = 1L << 32;

    public static TokenExpiration defaults() {
        return new TokenExpiration(0, true);
    }

    /** From the flags' values; {@code max} null or zero: no cap. Out of range: IllegalArgumentException with upstream's message. */
    public static TokenExpiration of(Duration max, boolean extend) {
        long seconds = max == null ? 0 : max.toSeconds();
        if (max != null && !max.isZero() && (max.compareTo(Duration.ofSeconds(MIN_MAX_SECONDS)) < 0
                || max.compareTo(Duration.ofSeconds(MAX_MAX_SECONDS)) > 0)) {
            throw new IllegalArgumentException("the service-account-max-token-expiration must be between 1 hour and 2^32 seconds");
        }
        return new TokenExpiration(seconds, extend);
    }

    /** What upstream logs at start for a cap that makes the extension misbehave or outlive it (empty when none). */
    public List<String> warnings() {
        var warnings = new ArrayList<String>();
        if (extend && maxSeconds != 0) {
            if (maxSeconds < TokenRest.WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS) {
                warnings.add("service-account-extend-token-expiration is true, in order to correctly trigger safe transition logic, "
                        + "service-account-max-token-expiration must be set longer than " + TokenRest.WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS
                        + " seconds (currently " + goDuration(maxSeconds) + ")");
            }
            if (maxSeconds < EXTENDED_SECONDS) {
                warnings.add("service-account-extend-token-expiration is true, enabling tokens valid up to " + EXTENDED_SECONDS
                        + " seconds, which is longer than service-account-max-token-expiration set to " + goDuration(maxSeconds));
            }
        }
        return warnings;
    }

    /** Go's time.Duration String for whole seconds: 1h0m0s, 2h30m0s, 45m0s. */
    static String goDuration(long seconds) {
        long h = seconds / 3600;
        long m = seconds % 3600 / 60;
        long s = seconds % 60;
        return h > 0 ? h + "h" + m + "m" + s + "s" : m > 0 ? m + "m" + s + "s" : s + "s";
    }
}
