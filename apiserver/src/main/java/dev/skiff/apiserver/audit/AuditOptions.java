package dev.skiff.apiserver.audit;

/**
 * kube-apiserver's audit flags, checked by the caller (cli). No policy: no auditing at all (as
 * upstream). A policy without a log path evaluates nothing either: there is nowhere to write.
 *
 * @param policy     --audit-policy-file, read and validated; null: off
 * @param logPath    --audit-log-path: a file, "-" for standard output, null or empty: no log
 * @param maxAgeDays --audit-log-maxage: days to keep rotated files (0: no limit)
 * @param maxBackups --audit-log-maxbackup: rotated files to keep (0: no limit)
 * @param maxSizeMb  --audit-log-maxsize: megabytes before the file is rotated (0: lumberjack's default, 100)
 * @param format     --audit-log-format: json (one Event a line) or legacy (one line of text)
 */
public record AuditOptions(Policy policy, String logPath, int maxAgeDays, int maxBackups, int maxSizeMb, String format) {
    public static final String JSON = "json";
    public static final String LEGACY = "legacy";
    public static final AuditOptions NONE = new AuditOptions(null, null, 0, 0, 0);
    /** lumberjack's size when none is given. */
    static final int DEFAULT_MAX_SIZE_MB = 100;

    public AuditOptions {
        if (maxAgeDays < 0 || maxBackups < 0 || maxSizeMb < 0) {
            throw new IllegalArgumentException("audit log limits must not be negative");
        }
        if (!format.equals(JSON) && !format.equals(LEGACY)) {
            throw new IllegalArgumentException("invalid audit log format " + format + ", allowed formats are \"legacy,json\"");
        }
    }

    /** In the json format. */
    public AuditOptions(Policy policy, String logPath, int maxAgeDays, int maxBackups, int maxSizeMb) {
        this(policy, logPath, maxAgeDays, maxBackups, maxSizeMb, JSON);
    }

    public boolean enabled() {
        return policy != null && logPath != null && !logPath.isEmpty();
    }
}
