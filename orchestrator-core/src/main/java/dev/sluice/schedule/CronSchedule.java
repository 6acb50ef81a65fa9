package dev.sluice.schedule;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import dev.sluice.dag.Dag;
import dev.sluice.dag.Schedules;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A DAG's schedule as Airflow-style data intervals: consecutive cron fire times F(k-1), F(k) bound the interval
 * [F(k-1), F(k)), whose run is created at F(k) with logical date F(k-1).
 *
 * <p>The cron is evaluated on the DAG's wall clock and each wall time is then placed in the zone, which is what
 * users mean by "02:30 every day": on a spring-forward day 02:30 does not exist and the run fires at the first
 * instant after the gap (03:30); on a fall-back day 01:30 happens twice and fires once, at the first. Fire
 * instants are strictly increasing, so wall times that land on the same instant (02:00 and 03:00 on a
 * spring-forward day for an hourly cron) fire once. We compute fire times here, with cron-utils, instead of
 * handing Quartz a cron: Quartz's cron has no unix day-of-month/day-of-week OR semantics, no 5-field form, and
 * skips a fire that falls in a DST gap.
 *
 * <p>{@code start_date} and {@code end_date} are days in the DAG's zone: the first interval starts at or after
 * the start of {@code start_date}; the last starts before the end of {@code end_date}.
 */
public final class CronSchedule {
    private static final CronParser UNIX = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
    /** No real cron has a gap this long; a bound keeps a malformed search from looping forever. */
    private static final int MAX_STEPS = 1000;

    private final String cron;
    private final ZoneId zone;
    private final ExecutionTime execution;
    private final Instant startLimit;
    private final Instant endLimit;

    public CronSchedule(String schedule, ZoneId zone, LocalDate startDate, LocalDate endDate) {
        this.cron = Schedules.toUnixCron(schedule);
        this.zone = zone;
        this.execution = ExecutionTime.forCron(UNIX.parse(cron));
        this.startLimit =
                startDate == null ? null : startDate.atStartOfDay(zone).toInstant();
        this.endLimit =
                endDate == null ? null : endDate.plusDays(1).atStartOfDay(zone).toInstant();
    }

    /** The DAG's schedule, or empty when it has none (manual runs only). */
    public static Optional<CronSchedule> of(Dag dag) {
        if (dag.schedule() == null || dag.schedule().isBlank()) return Optional.empty();
        ZoneId zone = ZoneId.of(dag.timezone() == null ? "UTC" : dag.timezone());
        return Optional.of(new CronSchedule(dag.schedule(), zone, dag.startDate(), dag.endDate()));
    }

    public String cron() {
        return cron;
    }

    public ZoneId zone() {
        return zone;
    }

    /** The first fire instant strictly after {@code t}. */
    Instant fireAfter(Instant t) {
        LocalDateTime wall = wall(t).withNano(0);
        for (int i = 0; i < MAX_STEPS; i++) {
            wall = nextWall(wall);
            Instant at = place(wall);
            if (at.isAfter(t)) return at;
        }
        throw new IllegalStateException("cron '" + cron + "' has no fire time after " + t);
    }

    /** The last fire instant strictly before {@code t}. */
    Instant fireBefore(Instant t) {
        // cron-utils works in whole seconds: start from the next whole second so a fire in t's own second counts.
        LocalDateTime wall = wall(t);
        if (wall.getNano() != 0) wall = wall.withNano(0).plusSeconds(1);
        for (int i = 0; i < MAX_STEPS; i++) {
            wall = previousWall(wall);
            Instant at = place(wall);
            // A wall time in a gap is placed after the gap, possibly after t: keep looking back.
            if (at.isBefore(t)) return at;
        }
        throw new IllegalStateException("cron '" + cron + "' has no fire time before " + t);
    }

    Instant fireAtOrAfter(Instant t) {
        return fireAfter(t.minusNanos(1));
    }

    private boolean allowedStart(Instant start) {
        return (startLimit == null || !start.isBefore(startLimit)) && (endLimit == null || start.isBefore(endLimit));
    }

    /** The interval starting at {@code start} (a fire instant). */
    public Interval intervalStartingAt(Instant start) {
        return new Interval(start, fireAfter(start));
    }

    /** The latest interval that has ended by {@code now} and lies within start_date/end_date, if any. */
    public Optional<Interval> latestEndedBy(Instant now) {
        Instant end = fireAtOrAfter(now);
        if (end.isAfter(now)) end = fireBefore(end); // the last fire at or before now
        Instant start = fireBefore(end);
        if (endLimit != null && !start.isBefore(endLimit)) {
            start = fireBefore(endLimit);
            end = fireAfter(start);
            if (end.isAfter(now)) return Optional.empty();
        }
        return allowedStart(start) ? Optional.of(new Interval(start, end)) : Optional.empty();
    }

    /**
     * Intervals, oldest first, whose start is at or after {@code from} (and start_date), that have ended by
     * {@code now}, at most {@code max} of them.
     */
    public List<Interval> endedBetween(Instant from, Instant now, int max) {
        Instant lower = startLimit != null && startLimit.isAfter(from) ? startLimit : from;
        List<Interval> out = new ArrayList<>();
        Instant start = fireAtOrAfter(lower);
        while (out.size() < max && allowedStart(start)) {
            Instant end = fireAfter(start);
            if (end.isAfter(now)) break;
            out.add(new Interval(start, end));
            start = end;
        }
        return out;
    }

    /** The first interval start (logical date) in [from, to] within start_date/end_date; for backfills. */
    public Optional<Instant> firstStartAtOrAfter(Instant from, Instant to) {
        Instant lower = startLimit != null && startLimit.isAfter(from) ? startLimit : from;
        Instant start = fireAtOrAfter(lower);
        return !start.isAfter(to) && allowedStart(start) ? Optional.of(start) : Optional.empty();
    }

    /**
     * When the next run is due after {@code now}: the end of the next interval that lies within
     * start_date/end_date; empty once end_date has passed.
     */
    public Optional<Instant> nextRunAfter(Instant now) {
        Instant end = fireAfter(now);
        Instant start = fireBefore(end);
        if (startLimit != null && start.isBefore(startLimit)) {
            start = fireAtOrAfter(startLimit);
            end = fireAfter(start);
        }
        return allowedStart(start) ? Optional.of(end) : Optional.empty();
    }

    private LocalDateTime wall(Instant t) {
        return LocalDateTime.ofInstant(t, zone);
    }

    /** Cron arithmetic happens on wall times, in a zone without DST. */
    private LocalDateTime nextWall(LocalDateTime wall) {
        return execution
                .nextExecution(wall.atZone(ZoneOffset.UTC))
                .map(ZonedDateTime::toLocalDateTime)
                .orElseThrow(() -> new IllegalStateException("cron '" + cron + "' never fires after " + wall));
    }

    private LocalDateTime previousWall(LocalDateTime wall) {
        return execution
                .lastExecution(wall.atZone(ZoneOffset.UTC))
                .map(ZonedDateTime::toLocalDateTime)
                .orElseThrow(() -> new IllegalStateException("cron '" + cron + "' never fired before " + wall));
    }

    /** A wall time as an instant: in a gap, shifted forward by the gap; in an overlap, the earlier instant. */
    private Instant place(LocalDateTime wall) {
        return ZonedDateTime.ofLocal(wall, zone, null).toInstant();
    }
}
