package dev.sluice.dag;

import java.util.Locale;

/** When a task may start, given its upstream tasks' states. Names and behaviour follow Airflow's. */
public enum TriggerRule {
    ALL_SUCCESS,
    ALL_FAILED,
    ALL_DONE,
    ONE_SUCCESS,
    ONE_FAILED,
    NONE_FAILED,
    NONE_SKIPPED,
    /** No upstream failed and at least one succeeded: the join after a branch, whose other paths were skipped. */
    NONE_FAILED_MIN_ONE_SUCCESS,
    ALWAYS;

    public String yamlName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static TriggerRule fromYaml(String s) {
        for (TriggerRule r : values()) if (r.yamlName().equals(s)) return r;
        return null;
    }
}
