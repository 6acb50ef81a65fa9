package dev.sluice.store;

import dev.sluice.run.TaskState;

/**
 * One task instance of a run as a summary shows it: its state, how many attempts it has had and its last error (for
 * a sensor waiting as up_for_reschedule: what its last check saw and when the next one is). It
 * lives beside the repository that reads it, so persistence returns its own type and never one of the engine's.
 */
public record TaskSummary(String taskId, TaskState state, int attempts, String error, int rescheduled) {
    /** {@code rescheduled}: of the attempts, the checks that ended rescheduled (no try spent). */
    public TaskSummary(String taskId, TaskState state, int attempts, String error) {
        this(taskId, state, attempts, error, 0);
    }
}
