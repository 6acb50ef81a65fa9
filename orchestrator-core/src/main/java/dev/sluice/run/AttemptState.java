package dev.sluice.run;

import java.util.Locale;

/**
 * The life of one attempt (one try of a task instance), beside {@link TaskState} and {@link RunState}: an attempt
 * is opened running when its task is claimed and ends exactly once, in one of the other states.
 */
public enum AttemptState {
    RUNNING,
    SUCCESS,
    FAILED,
    TIMED_OUT,
    /** Its worker stopped heartbeating; the reaper ended it. */
    LOST,
    CANCELLED,
    /** A stopping worker gave it back; the task was queued again without spending a try. */
    HANDED_BACK,
    /** A sensor's check in reschedule mode found its condition unmet; the task waits as up_for_reschedule. */
    RESCHEDULED;

    public boolean isTerminal() {
        return this != RUNNING;
    }

    public String dbName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static AttemptState fromDb(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }
}
