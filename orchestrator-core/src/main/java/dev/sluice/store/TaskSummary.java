package dev.sluice.store;

import dev.sluice.run.TaskState;

/**
 * One task instance of a run as a summary shows it: its state, how many attempts it has had and its last error. It
 * lives beside the repository that reads it, so persistence returns its own type and never one of the engine's.
 */
public record TaskSummary(String taskId, TaskState state, int attempts, String error) {}
