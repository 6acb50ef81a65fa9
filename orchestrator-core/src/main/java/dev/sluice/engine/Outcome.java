package dev.sluice.engine;

import dev.sluice.run.AttemptState;

/** How one attempt ended; stored as the attempt's state. */
public enum Outcome {
    SUCCESS(AttemptState.SUCCESS),
    FAILED(AttemptState.FAILED),
    TIMED_OUT(AttemptState.TIMED_OUT),
    LOST(AttemptState.LOST),
    CANCELLED(AttemptState.CANCELLED),
    /**
     * A stopping worker gave the attempt back after its drain time: not the task's fault, so the task is queued
     * again for another worker without spending one of its tries (a routine deploy must not fail tasks).
     */
    HANDED_BACK(AttemptState.HANDED_BACK);

    final AttemptState attemptState;

    Outcome(AttemptState attemptState) {
        this.attemptState = attemptState;
    }

    boolean isFailure() {
        return this == FAILED || this == TIMED_OUT || this == LOST;
    }
}
