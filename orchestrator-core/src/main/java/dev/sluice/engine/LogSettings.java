package dev.sluice.engine;

import dev.sluice.storage.ObjectStore;
import dev.sluice.task.Durations;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Attempt logs on this node. {@code maxBytes} ({@code SLUICE_LOG_MAX_BYTES}): the cap per attempt log.
 * {@code retention} ({@code SLUICE_LOG_RETENTION}) and {@code retentionBytes} ({@code SLUICE_LOG_RETENTION_BYTES},
 * 0 for no limit): how old and how much in total finished attempts' logs may be before housekeeping deletes them.
 * {@code store}: where logs are shared with other nodes (null: logs stay on the node that wrote them), with the
 * growing log of a running attempt uploaded every {@code uploadInterval}.
 */
public record LogSettings(
        long maxBytes, Duration retention, long retentionBytes, Duration uploadInterval, ObjectStore store) {
    public static final long DEFAULT_MAX_BYTES = 64L << 20;
    public static final Duration DEFAULT_RETENTION = Duration.ofDays(30);
    public static final Duration DEFAULT_UPLOAD_INTERVAL = Duration.ofSeconds(2);
    public static final LogSettings DEFAULTS =
            new LogSettings(DEFAULT_MAX_BYTES, DEFAULT_RETENTION, 0, DEFAULT_UPLOAD_INTERVAL, null);

    public LogSettings {
        if (maxBytes < 1)
            throw new IllegalArgumentException("SLUICE_LOG_MAX_BYTES must be at least 1, got " + maxBytes);
        if (retentionBytes < 0)
            throw new IllegalArgumentException(
                    "SLUICE_LOG_RETENTION_BYTES must not be negative, got " + retentionBytes);
        if (retention == null || retention.isNegative() || retention.isZero())
            throw new IllegalArgumentException("SLUICE_LOG_RETENTION must be a positive duration, got " + retention);
        if (uploadInterval == null || uploadInterval.isNegative() || uploadInterval.isZero())
            throw new IllegalArgumentException("log upload interval must be positive, got " + uploadInterval);
    }

    /** These settings sharing logs through {@code s} (null: local only). */
    public LogSettings withStore(ObjectStore s) {
        return new LogSettings(maxBytes, retention, retentionBytes, uploadInterval, s);
    }

    public LogSettings withMaxBytes(long n) {
        return new LogSettings(n, retention, retentionBytes, uploadInterval, store);
    }

    public LogSettings withRetention(Duration age, long totalBytes) {
        return new LogSettings(maxBytes, age, totalBytes, uploadInterval, store);
    }

    public LogSettings withUploadInterval(Duration d) {
        return new LogSettings(maxBytes, retention, retentionBytes, d, store);
    }

    /** From the environment, each variable overridable by a system property of the same name. */
    public static LogSettings fromEnvironment() {
        Map<String, String> env = new HashMap<>(System.getenv());
        for (String key : new String[] {"SLUICE_LOG_MAX_BYTES", "SLUICE_LOG_RETENTION", "SLUICE_LOG_RETENTION_BYTES"}) {
            String v = System.getProperty(key);
            if (v != null) env.put(key, v);
        }
        return from(env);
    }

    public static LogSettings from(Map<String, String> env) {
        return new LogSettings(
                bytes(env.get("SLUICE_LOG_MAX_BYTES"), "SLUICE_LOG_MAX_BYTES", DEFAULT_MAX_BYTES),
                duration(env.get("SLUICE_LOG_RETENTION")),
                bytes(env.get("SLUICE_LOG_RETENTION_BYTES"), "SLUICE_LOG_RETENTION_BYTES", 0),
                DEFAULT_UPLOAD_INTERVAL,
                null);
    }

    private static long bytes(String s, String name, long dflt) {
        if (s == null || s.isBlank()) return dflt;
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number of bytes, got \"" + s + "\"");
        }
    }

    private static Duration duration(String s) {
        if (s == null || s.isBlank()) return DEFAULT_RETENTION;
        try {
            return Durations.parse(s.trim());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    "SLUICE_LOG_RETENTION must be a duration such as 30d or 12h, got \"" + s + "\"");
        }
    }
}
