package dev.sluice.dag;

import dev.sluice.task.Durations;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The retry/timeout/pool settings a task may set and {@code defaults:} may set for all tasks. Null means "not
 * said here"; {@link #resolve} applies task, then defaults, then the built-in values. Shared by the YAML parser and
 * the Java builder so both resolve and range-check identically.
 */
final class TaskSettings {
    static final int BUILTIN_RETRIES = 0;
    static final Duration BUILTIN_RETRY_DELAY = Duration.ofSeconds(10);
    static final RetryBackoff BUILTIN_BACKOFF = RetryBackoff.EXPONENTIAL;
    static final Duration BUILTIN_MAX_RETRY_DELAY = Duration.ofHours(1);
    static final Duration BUILTIN_TIMEOUT = Duration.ofHours(1);
    static final String BUILTIN_POOL = "default";
    static final int BUILTIN_PRIORITY = 0;
    private static final java.util.regex.Pattern QUEUE =
            java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,99}");

    Integer retries;
    Duration retryDelay;
    RetryBackoff retryBackoff;
    Duration maxRetryDelay;
    Duration timeout;
    String pool;
    Integer priority;
    String queue;

    TaskDef resolve(
            String id,
            String type,
            List<String> dependsOn,
            TriggerRule triggerRule,
            Map<String, Object> config,
            Deadline deadline,
            boolean branch,
            String group,
            TaskSettings defaults) {
        return new TaskDef(
                id,
                type,
                dependsOn,
                triggerRule != null ? triggerRule : TriggerRule.ALL_SUCCESS,
                pick(retries, defaults.retries, BUILTIN_RETRIES),
                pick(retryDelay, defaults.retryDelay, BUILTIN_RETRY_DELAY),
                pick(retryBackoff, defaults.retryBackoff, BUILTIN_BACKOFF),
                pick(maxRetryDelay, defaults.maxRetryDelay, BUILTIN_MAX_RETRY_DELAY),
                pick(timeout, defaults.timeout, BUILTIN_TIMEOUT),
                pick(pool, defaults.pool, BUILTIN_POOL),
                pick(priority, defaults.priority, BUILTIN_PRIORITY),
                ConfigValues.normalizeMap(config),
                pick(queue, defaults.queue, TaskDef.DEFAULT_QUEUE),
                deadline,
                branch,
                group,
                List.of(),
                null);
    }

    private static <T> T pick(T own, T fromDefaults, T builtin) {
        return own != null ? own : fromDefaults != null ? fromDefaults : builtin;
    }

    // Range checks: null when fine, else the message. Checked where the value is written (task or defaults), so an
    // error points at the line that set it rather than at every task that inherited it.

    static String checkRetries(int retries) {
        return retries < 0 ? "must be 0 or more, got " + retries : null;
    }

    static String checkTimeout(Duration timeout) {
        return timeout.isZero() ? "must be longer than 0" : null;
    }

    static String checkMaxRetryDelay(Duration d) {
        return d.isZero() ? "must be longer than 0" : null;
    }

    static String checkQueue(String queue) {
        return QUEUE.matcher(queue).matches()
                ? null
                : "must be 1-100 letters, digits, '_', '.' or '-', starting with a letter or digit; got \"" + queue
                        + "\"";
    }

    /** A year at most: a due time must stay a valid timestamp in the database, and a longer one says nothing. */
    static final Duration MAX_DEADLINE = Duration.ofDays(366);

    static String checkDeadlineWithin(Duration within) {
        if (within.isZero()) return "must be longer than 0";
        return within.compareTo(MAX_DEADLINE) > 0 ? "must be at most 366d, got " + Durations.format(within) : null;
    }

    private static final java.util.regex.Pattern GROUP =
            java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,99}");

    static String checkGroup(String group) {
        return GROUP.matcher(group).matches()
                ? null
                : "must be 1-100 letters, digits, '_', '.' or '-', starting with a letter or digit; got \"" + group
                        + "\"";
    }

    static String checkMaxActiveInstances(int max) {
        return max < 1 ? "must be 1 or more, got " + max : null;
    }

    static String checkPool(String pool) {
        return pool.isBlank() ? "must not be blank" : null;
    }
}
