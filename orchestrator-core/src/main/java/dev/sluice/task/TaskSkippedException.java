package dev.sluice.task;

/**
 * Thrown by a task type to end its task {@code skipped} rather than failed: not retried, and its downstream tasks
 * follow their trigger rules as after any skip (a soft-failing sensor that timed out). The attempt itself is
 * recorded as ended normally, with this message as its note.
 */
public class TaskSkippedException extends Exception {
    public TaskSkippedException(String message) {
        super(message);
    }
}
