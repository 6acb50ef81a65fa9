package dev.sluice.dag;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.parser.CronParser;
import java.util.Map;

/** The schedule strings a DAG may declare: 5-field unix cron, or one of a few {@code @} macros. */
public final class Schedules {
    private static final Map<String, String> MACROS = Map.of(
            "@hourly", "0 * * * *",
            "@daily", "0 0 * * *",
            "@weekly", "0 0 * * 0",
            "@monthly", "0 0 1 * *",
            "@yearly", "0 0 1 1 *");
    private static final CronParser UNIX = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

    private Schedules() {}

    /** Null when {@code schedule} is valid, else why not. */
    public static String problem(String schedule) {
        if (schedule.startsWith("@")) {
            return MACROS.containsKey(schedule)
                    ? null
                    : "unknown schedule macro '" + schedule + "' (use @hourly, @daily, @weekly, @monthly or @yearly)";
        }
        if (schedule.trim().split("\\s+").length != 5) {
            return "bad cron '" + schedule + "': expected 5 fields (minute hour day-of-month month day-of-week)";
        }
        try {
            UNIX.parse(schedule).validate();
            return null;
        } catch (IllegalArgumentException e) {
            return "bad cron '" + schedule + "': " + e.getMessage();
        }
    }

    /** The 5-field unix cron for a valid schedule, expanding macros, for whatever fires the schedule. */
    public static String toUnixCron(String schedule) {
        String problem = problem(schedule);
        if (problem != null) throw new IllegalArgumentException(problem);
        return MACROS.getOrDefault(schedule, schedule.trim());
    }
}
