package dev.sluice.dag;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One task of a DAG with the DAG's defaults already applied, so a definition built in Java and one read from YAML
 * compare equal. {@code deadline} is null when the task has none. {@code branch}: the task chooses which of its
 * direct downstream tasks run (the {@code next} of its output); always true for the built-in {@code branch} type.
 * {@code group}: the task group it is shown in (null: none), a matter of display only. {@code outlets}: the asset
 * URIs the task updates; each success records an asset event for each of them. {@code mapping}: its {@code expand:}
 * (null: the task is not mapped).
 */
public record TaskDef(
        String id,
        String type,
        List<String> dependsOn,
        TriggerRule triggerRule,
        int retries,
        Duration retryDelay,
        RetryBackoff retryBackoff,
        Duration maxRetryDelay,
        Duration timeout,
        String pool,
        int priority,
        Map<String, Object> config,
        String queue,
        Deadline deadline,
        boolean branch,
        String group,
        List<String> outlets,
        TaskMapping mapping) {
    /** The queue of a task that names none: what every worker serves unless told otherwise. */
    public static final String DEFAULT_QUEUE = "default";

    /**
     * Queues only one process serves (a {@code sluice dags test} run's own): queue names users may write start with
     * a letter or digit, so these never collide with one, and no other process will ever take their tasks.
     */
    public static final String PRIVATE_QUEUE_PREFIX = "_dags_test.";

    /** The built-in task type that chooses with a template; its tasks are always branch tasks. */
    public static final String BRANCH_TYPE = dev.sluice.task.BranchChoice.TYPE;

    public TaskDef {
        if (queue == null) queue = DEFAULT_QUEUE;
        if (BRANCH_TYPE.equals(type)) branch = true;
        dependsOn = List.copyOf(dependsOn);
        outlets = outlets == null ? List.of() : List.copyOf(outlets);
        config = config == null
                ? Map.of()
                : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(config));
    }

    /** This task updating {@code outlets} (asset URIs). */
    public TaskDef withOutlets(List<String> outlets) {
        return new TaskDef(
                id,
                type,
                dependsOn,
                triggerRule,
                retries,
                retryDelay,
                retryBackoff,
                maxRetryDelay,
                timeout,
                pool,
                priority,
                config,
                queue,
                deadline,
                branch,
                group,
                outlets,
                mapping);
    }

    /** This task with {@code expand:} (null: not mapped). */
    public TaskDef withMapping(TaskMapping mapping) {
        return new TaskDef(
                id,
                type,
                dependsOn,
                triggerRule,
                retries,
                retryDelay,
                retryBackoff,
                maxRetryDelay,
                timeout,
                pool,
                priority,
                config,
                queue,
                deadline,
                branch,
                group,
                outlets,
                mapping);
    }

    /** This task on {@code queue}. */
    public TaskDef withQueue(String queue) {
        return new TaskDef(
                id,
                type,
                dependsOn,
                triggerRule,
                retries,
                retryDelay,
                retryBackoff,
                maxRetryDelay,
                timeout,
                pool,
                priority,
                config,
                queue,
                deadline,
                branch,
                group,
                outlets,
                mapping);
    }

    /** This task retried {@code retries} times, {@code delay} apart, growing by {@code backoff}. */
    public TaskDef withRetries(int retries, Duration delay, RetryBackoff backoff) {
        return new TaskDef(
                id,
                type,
                dependsOn,
                triggerRule,
                retries,
                delay,
                backoff,
                maxRetryDelay,
                timeout,
                pool,
                priority,
                config,
                queue,
                deadline,
                branch,
                group,
                outlets,
                mapping);
    }

    /** This task timed out after {@code timeout}. */
    public TaskDef withTimeout(Duration timeout) {
        return new TaskDef(
                id,
                type,
                dependsOn,
                triggerRule,
                retries,
                retryDelay,
                retryBackoff,
                maxRetryDelay,
                timeout,
                pool,
                priority,
                config,
                queue,
                deadline,
                branch,
                group,
                outlets,
                mapping);
    }

    /** This task run under {@code rule}. */
    public TaskDef withTriggerRule(TriggerRule rule) {
        return new TaskDef(
                id,
                type,
                dependsOn,
                rule,
                retries,
                retryDelay,
                retryBackoff,
                maxRetryDelay,
                timeout,
                pool,
                priority,
                config,
                queue,
                deadline,
                branch,
                group,
                outlets,
                mapping);
    }

    /** This task choosing its downstream tasks ({@code branch}) or not. */
    public TaskDef withBranch(boolean branch) {
        return new TaskDef(
                id,
                type,
                dependsOn,
                triggerRule,
                retries,
                retryDelay,
                retryBackoff,
                maxRetryDelay,
                timeout,
                pool,
                priority,
                config,
                queue,
                deadline,
                branch,
                group,
                outlets,
                mapping);
    }

    /** Whether the task runs as one instance per item of its {@code expand:} list. */
    public boolean mapped() {
        return mapping != null;
    }

    /** The delay before attempt {@code nextTry} (2 for the first retry), honouring backoff and its cap. */
    public Duration delayBeforeTry(int nextTry) {
        if (retryBackoff == RetryBackoff.FIXED) return min(retryDelay, maxRetryDelay);
        int exponent = Math.max(0, Math.min(nextTry - 2, 30));
        long ms = retryDelay.toMillis();
        long scaled = ms > Long.MAX_VALUE >> exponent ? Long.MAX_VALUE : ms << exponent;
        return min(Duration.ofMillis(scaled), maxRetryDelay);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
