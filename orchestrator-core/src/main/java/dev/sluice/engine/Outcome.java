package dev.sluice.engine;

/** How one attempt ended; stored as the attempt's state. */
public enum Outcome {
    SUCCESS("success"), FAILED("failed"), TIMED_OUT("timed_out"), LOST("lost"), CANCELLED("cancelled");

    final String attemptState;

    Outcome(String attemptState) {
        this.attemptState = attemptState;
    }

    boolean isFailure() {
        return this == FAILED || this == TIMED_OUT || this == LOST;
    }
}
