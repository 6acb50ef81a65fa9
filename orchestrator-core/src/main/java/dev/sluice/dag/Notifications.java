package dev.sluice.dag;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * A DAG's {@code notifications:} block: where to POST (null means the server-wide {@code SLUICE_WEBHOOK_URL}) and
 * on which events. {@link #NONE} is a DAG that said nothing: the server-wide webhook applies with its defaults.
 */
public record Notifications(String webhookUrl, Set<Event> on) {
    /** Events a DAG is notified of when it names none: retries are routine, failures are not. */
    public static final Set<Event> DEFAULT_EVENTS = Set.copyOf(EnumSet.of(Event.TASK_FAILED, Event.RUN_FAILED));

    public static final Notifications NONE = new Notifications(null, DEFAULT_EVENTS);

    public Notifications {
        on = on == null ? DEFAULT_EVENTS : Set.copyOf(on);
    }

    public boolean isDefault() {
        return equals(NONE);
    }

    public enum Event {
        TASK_FAILED,
        TASK_RETRY,
        RUN_FAILED;

        public String yamlName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Event fromYaml(String s) {
            for (Event e : values()) if (e.yamlName().equals(s)) return e;
            return null;
        }
    }
}
