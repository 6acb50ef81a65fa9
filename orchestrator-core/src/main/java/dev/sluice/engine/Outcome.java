package dev.sluice.engine;

import dev.sluice.run.AttemptState;

/** How one attempt ended; stored as the attempt's state. */
public enum Outcome {
    SUCCESS(AttemptState.SUCCESS),
    FAILED(AttemptState.FAILED),
    TIMED_OUT(AttemptState.TIMED_OUT),
    LOST(AttemptState.LOST),
    /**
     * Lost with its process, on a queue only that process served (a {@code sluice dags test} run's): stored as lost,
     * but the task fails instead of being retried, since no other worker would ever take the retry.
     */
    ABANDONED(AttemptState.LOST),
    CANCELLED(AttemptState.CANCELLED),
    /**
     * A stopping worker gave the attempt back after its drain time: not the task's fault, so the task is queued
     * again for another worker without spending one of its tries (a routine deploy must not fail tasks).
     */
    HANDED_BACK(AttemptState.HANDED_BACK),
    /**
     * The task type asked for its task to be skipped ({@link dev.sluice.task.TaskSkippedException}): the attempt ran
     * to its end as the task meant, so it is stored as a success (no attempt state of its own, no migration), and
     * the task instance becomes skipped.
     */
    SKIPPED(AttemptState.SUCCESS),
    /**
     * The task type asked to be checked again later ({@link dev.sluice.task.TaskRescheduleException}): the slot is
     * given back and the task instance waits as up_for_reschedule, without spending a try.
     */
    RESCHEDULED(AttemptState.RESCHEDULED);

    final AttemptState attemptState;

    Outcome(AttemptState attemptState) {
        this.attemptState = attemptState;
    }

    boolean isFailure() {
        return this == FAILED || this == TIMED_OUT || this == LOST || this == ABANDONED;
    }
}
