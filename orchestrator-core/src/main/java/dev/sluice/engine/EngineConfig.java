package dev.sluice.engine;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Engine tuning. {@code slots}: tasks this worker runs at once. {@code heartbeatInterval}: how often the worker
 * proves it is alive; after five missed beats its tasks are retried elsewhere. {@code pollInterval}: the fallback
 * wake-up when no notification arrives (LISTEN/NOTIFY does the real work).
 */
public record EngineConfig(Path home, int slots, Duration heartbeatInterval, Duration pollInterval,
                           int completionBatch, boolean runWorker, String workerId, Duration drainTimeout,
                           java.util.List<String> queues, LogSettings logs) {
    /** Long enough for most short tasks to finish on a routine stop, inside common orchestrators' 60 s grace. */
    public static final Duration DEFAULT_DRAIN = Duration.ofSeconds(30);

    public EngineConfig(Path home, int slots, Duration heartbeatInterval, Duration pollInterval, int completionBatch,
                        boolean runWorker, String workerId) {
        this(home, slots, heartbeatInterval, pollInterval, completionBatch, runWorker, workerId, DEFAULT_DRAIN,
                DEFAULT_QUEUES, LogSettings.DEFAULTS);
    }

    /** The queues a worker serves unless told otherwise. */
    public static final java.util.List<String> DEFAULT_QUEUES = java.util.List.of(dev.sluice.dag.TaskDef.DEFAULT_QUEUE);

    public EngineConfig {
        queues = java.util.List.copyOf(queues);
        if (queues.isEmpty()) throw new IllegalArgumentException("a worker must serve at least one queue");
        if (logs == null) logs = LogSettings.DEFAULTS;
    }

    /** The queues this worker claims tasks from. */
    public EngineConfig withQueues(java.util.List<String> q) {
        return new EngineConfig(home, slots, heartbeatInterval, pollInterval, completionBatch, runWorker, workerId,
                drainTimeout, q, logs);
    }

    public static EngineConfig defaults(Path home) {
        return new EngineConfig(home, 32, Duration.ofSeconds(2), Duration.ofSeconds(1), 512, true, null, DEFAULT_DRAIN,
                DEFAULT_QUEUES, LogSettings.DEFAULTS);
    }

    /**
     * How long a stopping worker waits for its running attempts to finish before it hands the rest back (queued
     * again, no try spent).
     */
    public EngineConfig withDrainTimeout(Duration d) {
        return new EngineConfig(home, slots, heartbeatInterval, pollInterval, completionBatch, runWorker, workerId, d, queues, logs);
    }

    public EngineConfig withSlots(int n) {
        return new EngineConfig(home, n, heartbeatInterval, pollInterval, completionBatch, runWorker, workerId, drainTimeout, queues, logs);
    }

    public EngineConfig withHeartbeat(Duration d) {
        return new EngineConfig(home, slots, d, pollInterval, completionBatch, runWorker, workerId, drainTimeout, queues, logs);
    }

    public EngineConfig withPollInterval(Duration d) {
        return new EngineConfig(home, slots, heartbeatInterval, d, completionBatch, runWorker, workerId, drainTimeout, queues, logs);
    }

    public EngineConfig withWorkerId(String id) {
        return new EngineConfig(home, slots, heartbeatInterval, pollInterval, completionBatch, runWorker, id, drainTimeout, queues, logs);
    }

    /** An engine that schedules and records but runs no tasks (e.g. an API-only node). */
    public EngineConfig withoutWorker() {
        return new EngineConfig(home, slots, heartbeatInterval, pollInterval, completionBatch, false, workerId, drainTimeout, queues, logs);
    }

    /** Attempt logs: size cap, retention, and the store that shares them between nodes. */
    public EngineConfig withLogs(LogSettings l) {
        return new EngineConfig(home, slots, heartbeatInterval, pollInterval, completionBatch, runWorker, workerId, drainTimeout, queues, l);
    }

    public Duration deadAfter() {
        return heartbeatInterval.multipliedBy(5);
    }
}
