package dev.sluice.dag;

import java.util.List;
import java.util.Locale;

/**
 * A DAG scheduled on data rather than time ({@code schedule: {assets: [...], when: all | any}}): it runs when the
 * listed assets have new events since its last asset-triggered run — every one of them ({@link When#ALL}) or at
 * least one ({@link When#ANY}). The run's logical date is the time it was triggered.
 */
public record AssetSchedule(List<String> assets, When when) {
    public AssetSchedule {
        assets = List.copyOf(assets);
        if (when == null) when = When.ALL;
    }

    /** How many of the assets must have been updated. */
    public enum When {
        ALL,
        ANY;

        @com.fasterxml.jackson.annotation.JsonValue
        public String yamlName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Null when {@code s} names none. */
        public static When fromYaml(String s) {
            for (When w : values()) if (w.yamlName().equals(s)) return w;
            return null;
        }
    }
}
