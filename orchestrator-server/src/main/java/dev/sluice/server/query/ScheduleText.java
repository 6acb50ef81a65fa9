package dev.sluice.server.query;

import com.cronutils.descriptor.CronDescriptor;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import dev.sluice.dag.Schedules;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A schedule in words ("at 02:00") and its next firing, for the DAG list. */
final class ScheduleText {
    private static final CronParser UNIX = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
    private static final CronDescriptor WORDS = CronDescriptor.instance(Locale.ENGLISH);

    // A handful of distinct schedules, asked for on every DAG list: parse and describe each once.
    private static final Map<String, String> WORDS_CACHE = new ConcurrentHashMap<>();
    private static final Map<String, ExecutionTime> TIMES = new ConcurrentHashMap<>();

    private ScheduleText() {}

    static String describe(String schedule) {
        if (schedule == null) return null;
        return WORDS_CACHE.computeIfAbsent(schedule, ScheduleText::words);
    }

    private static String words(String schedule) {
        try {
            String words = WORDS.describe(UNIX.parse(Schedules.toUnixCron(schedule)));
            return words.isEmpty() ? schedule : Character.toUpperCase(words.charAt(0)) + words.substring(1);
        } catch (RuntimeException e) {
            return schedule;
        }
    }

    /** Null for unscheduled, paused or inactive DAGs: nothing will fire. */
    static Instant next(String schedule, String timezone, boolean paused, boolean active, Instant now) {
        if (schedule == null || paused || !active) return null;
        try {
            ZoneId zone = timezone == null ? ZoneId.of("UTC") : ZoneId.of(timezone);
            return TIMES.computeIfAbsent(schedule, sch -> ExecutionTime.forCron(UNIX.parse(Schedules.toUnixCron(sch))))
                    .nextExecution(ZonedDateTime.ofInstant(now, zone))
                    .map(ZonedDateTime::toInstant)
                    .orElse(null);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
