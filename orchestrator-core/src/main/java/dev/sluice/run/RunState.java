package dev.sluice.run;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** The life of a DAG run; the one place its transitions are listed. */
public enum RunState {
    QUEUED,
    RUNNING,
    SUCCESS,
    FAILED,
    CANCELLED;

    public boolean isTerminal() {
        return this == SUCCESS || this == FAILED || this == CANCELLED;
    }

    public String dbName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static RunState fromDb(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }

    public Set<RunState> allowedFrom() {
        return switch (this) {
            case QUEUED -> EnumSet.of(SUCCESS, FAILED, CANCELLED); // cleared runs go back to the queue
            case RUNNING -> EnumSet.of(QUEUED, SUCCESS, FAILED, CANCELLED);
            case SUCCESS -> EnumSet.of(RUNNING, FAILED, QUEUED);
            case FAILED -> EnumSet.of(RUNNING, SUCCESS, QUEUED);
            case CANCELLED -> EnumSet.of(QUEUED, RUNNING);
        };
    }

    public boolean canMoveTo(RunState next) {
        return next.allowedFrom().contains(this);
    }
}
