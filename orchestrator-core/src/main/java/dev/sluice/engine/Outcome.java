package dev.sluice.engine;

/** How one attempt ended; stored as the attempt's state. */
public enum Outcome {
    SUCCESS("success"),
    FAILED("failed"),
    TIMED_OUT("timed_out"),
    LOST("lost"),
    CANCELLED("cancelled"),
    /**
     * A stopping worker gave the attempt back after its drain time: not the task's fault, so the task is queued
     * again for another worker without spending one of its tries (a routine deploy must not fail tasks).
     */
    HANDED_BACK("handed_back");

    final String attemptState;

    Outcome(String attemptState) {
        this.attemptState = attemptState;
    }

    boolean isFailure() {
        return this == FAILED || this == TIMED_OUT || this == LOST;
    }
}
