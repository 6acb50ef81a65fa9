package dev.sluice.task;

import java.time.Duration;
import java.util.Objects;

/**
 * Thrown by a task type to end this check without an outcome and be run again later: the attempt gives its
 * worker slot back, the task instance waits as {@code up_for_reschedule} for {@code nextCheckAfter}, and then any
 * node may claim it again. Not a failure and no try spent; a sensor's {@code mode: reschedule} is built on it.
 *
 * <p>The engine keeps the time of the wait's first check ({@link TaskContext#firstCheckAt()}) durable across
 * checks, nodes and restarts, so a deadline counted from it stays the same whoever runs the next check.
 */
public class TaskRescheduleException extends Exception {
    private final Duration nextCheckAfter;

    /** @param reason what the check saw, e.g. "no file matches in/*.csv"; shown as the attempt's note */
    public TaskRescheduleException(Duration nextCheckAfter, String reason) {
        super(reason);
        Objects.requireNonNull(nextCheckAfter, "nextCheckAfter");
        if (nextCheckAfter.isNegative()) throw new IllegalArgumentException("nextCheckAfter must not be negative");
        this.nextCheckAfter = nextCheckAfter;
    }

    public Duration nextCheckAfter() {
        return nextCheckAfter;
    }
}
