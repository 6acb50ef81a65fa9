package dev.sluice.store;

import dev.sluice.run.TaskState;

/**
 * One task of a run as a summary shows it: its state, how many attempts it has had and its last error (for a sensor
 * waiting as up_for_reschedule: what its last check saw and when the next one is). It lives beside the repository
 * that reads it, so persistence returns its own type and never one of the engine's. A mapped task is one summary: its
 * aggregate state, the sum of its instances' attempts, an error of one of them, and {@code mapCount} instances (0: the
 * task is not mapped, or not expanded yet). {@code rescheduled}: of the attempts, the checks that ended rescheduled
 * (no try spent).
 */
public record TaskSummary(String taskId, TaskState state, int attempts, String error, int rescheduled, int mapCount) {
    public TaskSummary(String taskId, TaskState state, int attempts, String error) {
        this(taskId, state, attempts, error, 0, 0);
    }

    public boolean mapped() {
        return mapCount > 0;
    }
}
