package dev.sluice.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Cron arithmetic on wall clocks, data intervals, start/end dates and DST — no database. */
class ScheduleIntervalsTest {
    static final ZoneId NEW_YORK = ZoneId.of("America/New_York");
    static final ZoneId UTC = ZoneId.of("UTC");

    private static List<Instant> fires(CronSchedule s, Instant from, Instant to) {
        List<Instant> out = new ArrayList<>();
        Instant t = s.fireAfter(from);
        while (t.isBefore(to)) {
            out.add(t);
            t = s.fireAfter(t);
        }
        return out;
    }

    private static Instant at(String local, ZoneId zone) {
        return java.time.LocalDateTime.parse(local).atZone(zone).toInstant();
    }

    @Test
    void daily_0230_runs_once_on_the_spring_forward_day_right_after_the_gap() {
        var s = new CronSchedule("30 2 * * *", NEW_YORK, null, null);
        // 2026-03-08: clocks jump from 02:00 EST to 03:00 EDT; 02:30 does not exist.
        var f = fires(s, at("2026-03-07T00:00", NEW_YORK), at("2026-03-10T00:00", NEW_YORK));
        assertThat(f)
                .containsExactly(
                        at("2026-03-07T02:30", NEW_YORK),
                        ZonedDateTime.parse("2026-03-08T03:30-04:00").toInstant(),
                        at("2026-03-09T02:30", NEW_YORK));
    }

    @Test
    void daily_0130_runs_once_on_the_fall_back_day() {
        var s = new CronSchedule("30 1 * * *", NEW_YORK, null, null);
        // 2026-11-01: 01:00–02:00 happens twice; the job runs at the first 01:30 (EDT) only.
        var f = fires(s, at("2026-10-31T00:00", NEW_YORK), at("2026-11-03T00:00", NEW_YORK));
        assertThat(f)
                .containsExactly(
                        at("2026-10-31T01:30", NEW_YORK),
                        ZonedDateTime.parse("2026-11-01T01:30-04:00").toInstant(),
                        at("2026-11-02T01:30", NEW_YORK));
    }

    @Test
    void hourly_fire_times_stay_strictly_increasing_across_both_transitions() {
        var s = new CronSchedule("@hourly", NEW_YORK, null, null);
        for (String day : List.of("2026-03-08", "2026-11-01")) {
            var f = fires(s, at(day + "T00:00", NEW_YORK).minusSeconds(1), at(day + "T06:00", NEW_YORK));
            for (int i = 1; i < f.size(); i++) assertThat(f.get(i)).isAfter(f.get(i - 1));
            assertThat(f).doesNotHaveDuplicates().hasSizeBetween(5, 7);
        }
    }

    @Test
    void the_run_for_an_interval_is_due_at_its_end_with_the_start_as_logical_date() {
        var s = new CronSchedule("@daily", UTC, null, null);
        var latest = s.latestEndedBy(Instant.parse("2026-05-10T13:00:00Z")).orElseThrow();
        assertThat(latest)
                .isEqualTo(new Interval(Instant.parse("2026-05-09T00:00:00Z"), Instant.parse("2026-05-10T00:00:00Z")));
        // exactly at the boundary the interval that just ended is due
        assertThat(s.latestEndedBy(Instant.parse("2026-05-10T00:00:00Z"))
                        .orElseThrow()
                        .start())
                .isEqualTo(Instant.parse("2026-05-09T00:00:00Z"));
        assertThat(s.nextRunAfter(Instant.parse("2026-05-10T13:00:00Z")))
                .contains(Instant.parse("2026-05-11T00:00:00Z"));
    }

    @Test
    void macros_expand_to_their_unix_cron() {
        Instant from = Instant.parse("2026-01-01T00:00:00Z");
        assertThat(new CronSchedule("@weekly", UTC, null, null).fireAfter(from))
                .isEqualTo(Instant.parse("2026-01-04T00:00:00Z"));
        assertThat(new CronSchedule("@monthly", UTC, null, null).fireAfter(from))
                .isEqualTo(Instant.parse("2026-02-01T00:00:00Z"));
        assertThat(new CronSchedule("@yearly", UTC, null, null).fireAfter(from))
                .isEqualTo(Instant.parse("2027-01-01T00:00:00Z"));
        assertThat(new CronSchedule("@hourly", UTC, null, null).fireAfter(from))
                .isEqualTo(Instant.parse("2026-01-01T01:00:00Z"));
    }

    @Test
    void start_and_end_dates_bound_the_intervals() {
        var s = new CronSchedule("@daily", UTC, LocalDate.parse("2026-01-03"), LocalDate.parse("2026-01-05"));
        var all = s.endedBetween(Instant.parse("2025-12-01T00:00:00Z"), Instant.parse("2026-02-01T00:00:00Z"), 100);
        assertThat(all)
                .extracting(Interval::start)
                .containsExactly(
                        Instant.parse("2026-01-03T00:00:00Z"),
                        Instant.parse("2026-01-04T00:00:00Z"),
                        Instant.parse("2026-01-05T00:00:00Z"));
        assertThat(s.latestEndedBy(Instant.parse("2026-02-01T00:00:00Z"))
                        .orElseThrow()
                        .start())
                .isEqualTo(Instant.parse("2026-01-05T00:00:00Z"));
        assertThat(s.latestEndedBy(Instant.parse("2026-01-02T12:00:00Z"))).isEmpty();
        assertThat(s.nextRunAfter(Instant.parse("2026-01-01T00:00:00Z")))
                .contains(Instant.parse("2026-01-04T00:00:00Z"));
        assertThat(s.nextRunAfter(Instant.parse("2026-01-06T00:00:00Z"))).isEmpty();
    }

    @Test
    void start_date_is_a_day_in_the_dags_zone() {
        var s = new CronSchedule("0 6 * * *", NEW_YORK, LocalDate.parse("2026-07-01"), null);
        assertThat(s.firstStartAtOrAfter(Instant.parse("2026-06-01T00:00:00Z"), Instant.parse("2026-08-01T00:00:00Z")))
                .contains(at("2026-07-01T06:00", NEW_YORK));
    }
}
