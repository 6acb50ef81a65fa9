package dev.sluice.server.events;

/**
 * One event as sent to dashboards. {@code data} is one of the records below; {@code id} is unique within this
 * server's life ({@code BOOT-SEQ}), so an id from before a restart is simply not found and the client refetches.
 */
public record LiveEvent(String id, long seq, String event, Object data) {

    public record TaskEvent(String dagId, String runId, String taskId, String state, int tryNumber) {}

    public record RunEvent(String dagId, String runId, String state) {}

    public record DagEvent(String dagId, boolean isPaused) {}

    /** A deadline was missed ({@code taskId} null: the run's own); the run goes on. */
    public record DeadlineEvent(String dagId, String runId, String taskId, String dueAt) {}
}
