package dev.sluice.run;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * The life of a task instance, and the only place its allowed transitions are listed. The database stores
 * {@link #dbName()}; every transition is a conditional update from one of {@link #allowedFrom()}.
 */
public enum TaskState {
    /** Waiting for upstream tasks. */
    PENDING,
    /** Ready: a worker may claim it. */
    QUEUED,
    RUNNING,
    SUCCESS,
    FAILED,
    /** Failed with tries left; claimable again once its retry delay has passed. */
    UP_FOR_RETRY,
    /**
     * A sensor in reschedule mode whose condition did not hold yet: it gave its worker slot back and waits, holding
     * no slot and not counting toward {@code max_active_tasks}, until its next check time, when any node may claim
     * it again. Not a failure and no try spent.
     */
    UP_FOR_RESCHEDULE,
    UPSTREAM_FAILED,
    SKIPPED,
    CANCELLED;

    public boolean isTerminal() {
        return switch (this) {
            case SUCCESS, FAILED, UPSTREAM_FAILED, SKIPPED, CANCELLED -> true;
            default -> false;
        };
    }

    /** Counts as "failed" for trigger rules and for the run's outcome. */
    public boolean isFailure() {
        return this == FAILED || this == UPSTREAM_FAILED;
    }

    public String dbName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static TaskState fromDb(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }

    /** States from which this one may be entered. Clearing and marking (operator actions) are listed too. */
    public Set<TaskState> allowedFrom() {
        return switch (this) {
            // cleared by an operator: any finished state may go back to pending
            case PENDING ->
                EnumSet.of(
                        SUCCESS, FAILED, UPSTREAM_FAILED, SKIPPED, CANCELLED, UP_FOR_RETRY, UP_FOR_RESCHEDULE, QUEUED);
            // from RUNNING: handed back by a stopping worker
            case QUEUED ->
                EnumSet.of(PENDING, RUNNING, SUCCESS, FAILED, UPSTREAM_FAILED, SKIPPED, CANCELLED, UP_FOR_RETRY);
            // a claim takes any claimable state
            case RUNNING -> EnumSet.copyOf(CLAIMABLE);
            // marking: an operator may set success or failed on any state
            case SUCCESS, FAILED -> EnumSet.complementOf(EnumSet.of(this));
            case UP_FOR_RETRY, UP_FOR_RESCHEDULE -> EnumSet.of(RUNNING);
            case UPSTREAM_FAILED, SKIPPED -> EnumSet.of(PENDING);
            case CANCELLED -> EnumSet.of(PENDING, QUEUED, RUNNING, UP_FOR_RETRY, UP_FOR_RESCHEDULE);
        };
    }

    public boolean canMoveTo(TaskState next) {
        return next.allowedFrom().contains(this);
    }

    public static final Set<TaskState> UNFINISHED =
            EnumSet.of(PENDING, QUEUED, RUNNING, UP_FOR_RETRY, UP_FOR_RESCHEDULE);

    /** States a worker may claim from, once the instance's {@code ready_at} has come. */
    public static final Set<TaskState> CLAIMABLE = EnumSet.of(QUEUED, UP_FOR_RETRY, UP_FOR_RESCHEDULE);
}
