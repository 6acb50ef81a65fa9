package dev.sluice.dag;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * {@code deadline: {within: 2h, from: logical_date | queued}} on a DAG (its run must end by then) or a task (the
 * task must end by then). A miss raises {@code deadline_missed} and never stops anything. Both kinds count from the
 * run: its logical date, or the moment it was queued.
 */
public record Deadline(Duration within, From from) {

    public Deadline {
        if (within == null) throw new IllegalArgumentException("a deadline needs within");
        if (from == null) from = From.LOGICAL_DATE;
    }

    /** When a run with this logical date, queued at {@code queuedAt}, must have ended. */
    public Instant dueAt(Instant logicalDate, Instant queuedAt) {
        return (from == From.QUEUED ? queuedAt : logicalDate).plus(within);
    }

    /** What the deadline counts from. */
    public enum From {
        /** The run's logical date (for a scheduled run: the start of its data interval). */
        LOGICAL_DATE,
        /** When the run was created (triggered, fired or backfilled). */
        QUEUED;

        public String yamlName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static From fromYaml(String s) {
            for (From f : values()) if (f.yamlName().equals(s)) return f;
            return null;
        }
    }
}
