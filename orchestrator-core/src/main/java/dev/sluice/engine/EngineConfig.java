package dev.sluice.engine;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Engine tuning. {@code slots}: tasks this worker runs at once. {@code heartbeatInterval}: how often the worker
 * proves it is alive; after five missed beats its tasks are retried elsewhere. {@code pollInterval}: the fallback
 * wake-up when no notification arrives (LISTEN/NOTIFY does the real work).
 */
public record EngineConfig(Path home, int slots, Duration heartbeatInterval, Duration pollInterval,
                           int completionBatch, boolean runWorker, String workerId, Duration drainTimeout) {
    /** Long enough for most short tasks to finish on a routine stop, inside common orchestrators' 60 s grace. */
    public static final Duration DEFAULT_DRAIN = Duration.ofSeconds(30);

    public EngineConfig(Path home, int slots, Duration heartbeatInterval, Duration pollInterval, int completionBatch,
                        boolean runWorker, String workerId) {
        this(home, slots, heartbeatInterval, pollInterval, completionBatch, runWorker, workerId, DEFAULT_DRAIN);
    }

    public static EngineConfig defaults(Path home) {
        return new EngineConfig(home, 32, Duration.ofSeconds(2), Duration.ofSeconds(1), 512, true, null, DEFAULT_DRAIN);
    }

    /**
     * How long a stopping worker waits for its running attempts to finish before it hands the rest back (queued
     * again, no try spent).
     */
    public EngineConfig withDrainTimeout(Duration d) {
        return new EngineConfig(home, slots, heartbeatInterval, pollInterval, completionBatch, runWorker, workerId, d);
    }

    public EngineConfig withSlots(int n) {
        return new EngineConfig(home, n, heartbeatInterval, pollInterval, completionBatch, runWorker, workerId, drainTimeout);
    }

    public EngineConfig withHeartbeat(Duration d) {
        return new EngineConfig(home, slots, d, pollInterval, completionBatch, runWorker, workerId, drainTimeout);
    }

    public EngineConfig withPollInterval(Duration d) {
        return new EngineConfig(home, slots, heartbeatInterval, d, completionBatch, runWorker, workerId, drainTimeout);
    }

    public EngineConfig withWorkerId(String id) {
        return new EngineConfig(home, slots, heartbeatInterval, pollInterval, completionBatch, runWorker, id, drainTimeout);
    }

    /** An engine that schedules and records but runs no tasks (e.g. an API-only node). */
    public EngineConfig withoutWorker() {
        return new EngineConfig(home, slots, heartbeatInterval, pollInterval, completionBatch, false, workerId, drainTimeout);
    }

    public Duration deadAfter() {
        return heartbeatInterval.multipliedBy(5);
    }
}
