package dev.skiff.apiserver.admission.podsecurity;

import dev.skiff.api.errors.ApiException.Cause;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A namespace's Pod Security policy, as upstream's pod-security-admission api package reads it from
 * the labels {@code pod-security.kubernetes.io/enforce|audit|warn} and their {@code -version}s:
 * each mode a level at a version, privileged at latest where unlabelled (upstream's default
 * configuration). An unknown enforce level enforces restricted, unknown audit or warn levels fall
 * back to privileged, unknown versions to latest; warn follows a stricter enforce level (and its
 * version) when it is not labelled itself.
 */
public record Policy(LevelVersion enforce, LevelVersion audit, LevelVersion warn) {
    public static final String PREFIX = "pod-security.kubernetes.io/";
    public static final String ENFORCE = PREFIX + "enforce";
    public static final String AUDIT = PREFIX + "audit";
    public static final String WARN = PREFIX + "warn";
    static final Policy DEFAULT = new Policy(LevelVersion.PRIVILEGED, LevelVersion.PRIVILEGED, LevelVersion.PRIVILEGED);
    private static final Pattern VERSION = Pattern.compile("^v1\\.([0-9]|[1-9][0-9]*)$");

    /** The three levels of upstream's Pod Security Standards, least strict first. */
    public enum Level {
        PRIVILEGED, BASELINE, RESTRICTED;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        static Level parse(String value) {
            for (Level level : values()) {
                if (level.label().equals(value)) {
                    return level;
                }
            }
            return null;
        }
    }

    /** A policy version: v1.minor, or latest. */
    public record Version(int minor, boolean latest) {
        static final Version LATEST = new Version(0, true);

        static Version of(int minor) {
            return new Version(minor, false);
        }

        /** "latest" or "v1.x"; null when it is neither. */
        static Version parse(String value) {
            if (value.equals("latest")) {
                return LATEST;
            }
            Matcher m = VERSION.matcher(value);
            if (m.matches()) {
                try {
                    return of(Integer.parseInt(m.group(1)));
                } catch (NumberFormatException e) {
                    // too large for an int: upstream's Atoi fails the same way
                }
            }
            return null;
        }

        /** This version, or {@code newest} when it is later (latest included). */
        int atMost(int newest) {
            return latest || minor > newest ? newest : minor;
        }

        @Override
        public String toString() {
            return latest ? "latest" : "v1." + minor;
        }
    }

    /** A mode's level and version, printed "restricted:latest". */
    public record LevelVersion(Level level, Version version) {
        static final LevelVersion PRIVILEGED = new LevelVersion(Level.PRIVILEGED, Version.LATEST);

        @Override
        public String toString() {
            return level.label() + ":" + version;
        }
    }

    /** A policy with the label errors upstream reports as FieldValueInvalid causes. */
    public record Parsed(Policy policy, List<Cause> errors) {
    }

    public boolean fullyPrivileged() {
        return enforce.level() == Level.PRIVILEGED && audit.level() == Level.PRIVILEGED && warn.level() == Level.PRIVILEGED;
    }

    /** PolicyToEvaluate over upstream's default configuration (privileged at latest for every mode). */
    public static Parsed fromLabels(Map<String, String> labels) {
        return fromLabels(labels, DEFAULT);
    }

    /** PolicyToEvaluate: the policy the labels give, over {@code defaults} (the configured policy of unlabelled namespaces). */
    public static Parsed fromLabels(Map<String, String> labels, Policy defaults) {
        var errors = new ArrayList<Cause>();
        if (labels == null || labels.isEmpty()) {
            return new Parsed(defaults, errors);
        }
        Level enforceLevel = level(labels, ENFORCE, Level.RESTRICTED, errors);
        Level auditLevel = level(labels, AUDIT, Level.PRIVILEGED, errors);
        Level warnLevel = level(labels, WARN, Level.PRIVILEGED, errors);
        var enforce = new LevelVersion(enforceLevel == null ? defaults.enforce().level() : enforceLevel,
                version(labels, ENFORCE, defaults.enforce().version(), errors));
        var audit = new LevelVersion(auditLevel == null ? defaults.audit().level() : auditLevel,
                version(labels, AUDIT, defaults.audit().version(), errors));
        var warn = new LevelVersion(warnLevel == null ? defaults.warn().level() : warnLevel,
                version(labels, WARN, defaults.warn().version(), errors));
        boolean enforceLabelled = labels.containsKey(ENFORCE) && Level.parse(labels.get(ENFORCE)) != null;
        if (!labels.containsKey(WARN) && enforceLabelled && enforce.level().compareTo(warn.level()) > 0) {
            warn = new LevelVersion(enforce.level(), labels.containsKey(WARN + "-version") ? warn.version() : enforce.version());
        }
        // errors in upstream's order: enforce level and version, audit level and version, warn level and version
        errors.sort(java.util.Comparator.comparingInt(c -> order(c.field())));
        return new Parsed(new Policy(enforce, audit, warn), errors);
    }

    /** Upstream's Policy.Equivalent: the same levels, and the same versions where the level is not privileged. */
    boolean equivalent(Policy other) {
        return equivalent(enforce, other.enforce) && equivalent(audit, other.audit) && equivalent(warn, other.warn);
    }

    private static boolean equivalent(LevelVersion a, LevelVersion b) {
        return a.level() == b.level() && (a.level() == Level.PRIVILEGED || a.version().equals(b.version()));
    }

    private static int order(String field) {
        int i = 0;
        for (String mode : List.of(ENFORCE, AUDIT, WARN)) {
            if (field.equals(path(mode))) {
                return i;
            }
            if (field.equals(path(mode + "-version"))) {
                return i + 1;
            }
            i += 2;
        }
        return i;
    }

    /** The label's level; {@code invalid} when it is not one (with an error), null when unlabelled. */
    private static Level level(Map<String, String> labels, String label, Level invalid, List<Cause> errors) {
        if (!labels.containsKey(label)) {
            return null;
        }
        Level level = Level.parse(labels.get(label));
        if (level == null) {
            errors.add(Cause.invalid(path(label), labels.get(label), "must be one of privileged, baseline, restricted"));
            return invalid;
        }
        return level;
    }

    private static Version version(Map<String, String> labels, String mode, Version unlabelled, List<Cause> errors) {
        String label = mode + "-version";
        String value = labels.get(label);
        if (value == null) {
            return unlabelled;
        }
        Version version = Version.parse(value);
        if (version == null) {
            errors.add(Cause.invalid(path(label), value, "must be \"latest\" or \"v1.x\""));
            return Version.LATEST;
        }
        return version;
    }

    private static String path(String label) {
        return "metadata.labels[" + label + "]";
    }
}
