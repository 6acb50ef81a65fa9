package dev.sluice.engine;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Engine tuning. {@code slots}: tasks this worker runs at once. {@code heartbeatInterval}: how often the worker
 * proves it is alive; after four missed beats its tasks are retried elsewhere. {@code pollInterval}: the fallback
 * wake-up when no notification arrives (LISTEN/NOTIFY does the real work).
 */
public record EngineConfig(
        Path home,
        int slots,
        Duration heartbeatInterval,
        Duration pollInterval,
        int completionBatch,
        boolean runWorker,
        String workerId,
        Duration drainTimeout,
        java.util.List<String> queues,
        String role,
        boolean housekeeping,
        LogSettings logs) {
    /** Long enough for most short tasks to finish on a routine stop, inside common orchestrators' 60 s grace. */
    public static final Duration DEFAULT_DRAIN = Duration.ofSeconds(30);

    public EngineConfig(
            Path home,
            int slots,
            Duration heartbeatInterval,
            Duration pollInterval,
            int completionBatch,
            boolean runWorker,
            String workerId) {
        this(
                home,
                slots,
                heartbeatInterval,
                pollInterval,
                completionBatch,
                runWorker,
                workerId,
                DEFAULT_DRAIN,
                DEFAULT_QUEUES,
                DEFAULT_ROLE,
                true,
                LogSettings.DEFAULTS);
    }

    /** The queues a worker serves unless told otherwise. */
    public static final java.util.List<String> DEFAULT_QUEUES = java.util.List.of(dev.sluice.dag.TaskDef.DEFAULT_QUEUE);

    /** What a node that runs every part of Sluice calls itself in the worker table. */
    public static final String DEFAULT_ROLE = "standalone";

    public EngineConfig {
        queues = java.util.List.copyOf(queues);
        if (role == null || role.isBlank() || role.length() > 40) {
            throw new IllegalArgumentException("a node's role must be 1 to 40 characters, got '" + role + "'");
        }
        if (queues.isEmpty()) throw new IllegalArgumentException("a worker must serve at least one queue");
        if (logs == null) logs = LogSettings.DEFAULTS;
    }

    /** The queues this worker claims tasks from. */
    public EngineConfig withQueues(java.util.List<String> q) {
        return new EngineConfig(
                home,
                slots,
                heartbeatInterval,
                pollInterval,
                completionBatch,
                runWorker,
                workerId,
                drainTimeout,
                q,
                role,
                housekeeping,
                logs);
    }

    public static EngineConfig defaults(Path home) {
        return new EngineConfig(
                home,
                32,
                Duration.ofSeconds(2),
                Duration.ofSeconds(1),
                512,
                true,
                null,
                DEFAULT_DRAIN,
                DEFAULT_QUEUES,
                DEFAULT_ROLE,
                true,
                LogSettings.DEFAULTS);
    }

    /**
     * How long a stopping worker waits for its running attempts to finish before it hands the rest back (queued
     * again, no try spent).
     */
    public EngineConfig withDrainTimeout(Duration d) {
        return new EngineConfig(
                home,
                slots,
                heartbeatInterval,
                pollInterval,
                completionBatch,
                runWorker,
                workerId,
                d,
                queues,
                role,
                housekeeping,
                logs);
    }

    public EngineConfig withSlots(int n) {
        return new EngineConfig(
                home,
                n,
                heartbeatInterval,
                pollInterval,
                completionBatch,
                runWorker,
                workerId,
                drainTimeout,
                queues,
                role,
                housekeeping,
                logs);
    }

    public EngineConfig withHeartbeat(Duration d) {
        return new EngineConfig(
                home,
                slots,
                d,
                pollInterval,
                completionBatch,
                runWorker,
                workerId,
                drainTimeout,
                queues,
                role,
                housekeeping,
                logs);
    }

    public EngineConfig withPollInterval(Duration d) {
        return new EngineConfig(
                home,
                slots,
                heartbeatInterval,
                d,
                completionBatch,
                runWorker,
                workerId,
                drainTimeout,
                queues,
                role,
                housekeeping,
                logs);
    }

    public EngineConfig withWorkerId(String id) {
        return new EngineConfig(
                home,
                slots,
                heartbeatInterval,
                pollInterval,
                completionBatch,
                runWorker,
                id,
                drainTimeout,
                queues,
                role,
                housekeeping,
                logs);
    }

    /** An engine that schedules and records but runs no tasks (e.g. an API-only node). */
    public EngineConfig withoutWorker() {
        return new EngineConfig(
                home,
                slots,
                heartbeatInterval,
                pollInterval,
                completionBatch,
                false,
                workerId,
                drainTimeout,
                queues,
                role,
                housekeeping,
                logs);
    }

    /** What this node is, as the worker table shows it (e.g. "scheduler", "worker", "standalone"). */
    public EngineConfig withRole(String r) {
        return new EngineConfig(
                home,
                slots,
                heartbeatInterval,
                pollInterval,
                completionBatch,
                runWorker,
                workerId,
                drainTimeout,
                queues,
                r,
                housekeeping,
                logs);
    }

    /**
     * An engine that neither declares silent nodes dead nor runs the fallback promote sweep: a node whose
     * role leaves that housekeeping to the scheduler nodes (any number of them may do it; every step is a
     * conditional update).
     */
    public EngineConfig withoutHousekeeping() {
        return new EngineConfig(
                home,
                slots,
                heartbeatInterval,
                pollInterval,
                completionBatch,
                runWorker,
                workerId,
                drainTimeout,
                queues,
                role,
                false,
                logs);
    }

    /** Attempt logs: size cap, retention, and the store that shares them between nodes. */
    public EngineConfig withLogs(LogSettings l) {
        return new EngineConfig(
                home,
                slots,
                heartbeatInterval,
                pollInterval,
                completionBatch,
                runWorker,
                workerId,
                drainTimeout,
                queues,
                role,
                housekeeping,
                l);
    }

    /**
     * Four beats (8 s by default): with the reaper looking every half beat, a killed worker's tasks are retried
     * 6-9 s after the kill, inside the 10 s an operator expects. A stalled node's own view is protected separately:
     * nobody judges across a gap in their own heartbeats (PeerJudge).
     */
    public Duration deadAfter() {
        return heartbeatInterval.multipliedBy(4);
    }
}
