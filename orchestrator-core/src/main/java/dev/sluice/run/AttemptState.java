package dev.sluice.run;

import java.util.Locale;

/** How an attempt stands: running, or how it ended. The database stores {@link #dbName()}. */
public enum AttemptState {
    RUNNING,
    SUCCESS,
    FAILED,
    TIMED_OUT,
    LOST,
    CANCELLED,
    /** Given back by a stopping worker: not the task's fault, no try spent. */
    HANDED_BACK;

    public String dbName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
