package dev.sluice.schedule;

import static dev.sluice.db.jooq.Tables.DAG_RUN;
import static dev.sluice.schedule.ScheduleTesting.daily;
import static dev.sluice.schedule.ScheduleTesting.firing;
import static dev.sluice.schedule.ScheduleTesting.logicalDates;
import static dev.sluice.schedule.ScheduleTesting.scheduledDag;
import static dev.sluice.schedule.ScheduleTesting.t;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.engine.Engine;
import dev.sluice.testing.EngineHarness;
import dev.sluice.testing.MutableClock;
import java.time.Duration;
import java.time.LocalDate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The fired job's logic, fired by hand with a clock the test moves: no Quartz, no sleeping. */
class SchedulerFiringTest {
    static EngineHarness h;
    static MutableClock clock = new MutableClock(t("2026-03-10T12:00:00Z"));
    static Engine engine;
    static ScheduledRunCreator firing;

    @BeforeAll
    static void start() throws Exception {
        h = new EngineHarness();
        engine = h.engine(h.config(), clock);
        firing = firing(engine, clock);
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    @Test
    void a_cron_dag_gets_one_run_per_interval_at_the_intervals_end() {
        clock.set(t("2026-03-10T12:00:00Z"));
        h.save(engine, daily(h, "daily_etl", false, null));

        var fired = firing.fire("daily_etl");
        assertThat(fired.created()).containsExactly(t("2026-03-09T00:00:00Z"));
        assertThat(fired.nextFire()).isEqualTo(t("2026-03-11T00:00:00Z"));
        var run = h.db.dsl()
                .selectFrom(DAG_RUN)
                .where(DAG_RUN.DAG_ID.eq("daily_etl"))
                .fetchSingle();
        assertThat(run.getRunType()).isEqualTo("scheduled");
        assertThat(run.getRunId()).isEqualTo("scheduled__2026-03-09T00:00:00Z");
        assertThat(run.getDataIntervalStart().toInstant()).isEqualTo(t("2026-03-09T00:00:00Z"));
        assertThat(run.getDataIntervalEnd().toInstant()).isEqualTo(t("2026-03-10T00:00:00Z"));

        // A second fire for the same moment (another server, a retry) creates nothing.
        assertThat(firing.fire("daily_etl").created()).isEmpty();
        clock.set(t("2026-03-11T00:00:00Z"));
        assertThat(firing.fire("daily_etl").created()).containsExactly(t("2026-03-10T00:00:00Z"));
        assertThat(logicalDates(h, "daily_etl", "scheduled")).hasSize(2);
    }

    @Test
    void a_paused_dag_creates_no_runs_and_unpausing_does_not_flood() {
        clock.set(t("2026-03-10T12:00:00Z"));
        h.save(engine, daily(h, "paused_dag", false, LocalDate.parse("2026-01-01")));
        firing.fire("paused_dag");
        engine.dags().setPaused("paused_dag", true);

        clock.advance(Duration.ofDays(5));
        var fired = firing.fire("paused_dag");
        assertThat(fired.created()).isEmpty();
        assertThat(fired.nextFire()).isEqualTo(t("2026-03-16T00:00:00Z"));

        engine.dags().setPaused("paused_dag", false);
        assertThat(firing.fire("paused_dag").created()).containsExactly(t("2026-03-14T00:00:00Z"));
        assertThat(logicalDates(h, "paused_dag", "scheduled"))
                .containsExactly(t("2026-03-09T00:00:00Z"), t("2026-03-14T00:00:00Z"));
    }

    @Test
    void a_manual_run_on_a_scheduled_date_is_not_doubled() {
        clock.set(t("2026-03-10T12:00:00Z"));
        h.save(engine, daily(h, "manual_first", false, null));
        engine.runs()
                .createRun("manual_first", "manual", t("2026-03-09T00:00:00Z"), null, null, java.util.Map.of(), "me");
        assertThat(firing.fire("manual_first").created()).isEmpty();
        assertThat(h.db.dsl().fetchCount(DAG_RUN, DAG_RUN.DAG_ID.eq("manual_first")))
                .isEqualTo(1);
    }

    @Test
    void a_dag_in_a_dst_zone_runs_once_on_each_transition_day() {
        clock.set(t("2026-03-07T12:00:00Z"));
        h.save(
                engine,
                scheduledDag(
                        h,
                        "ny_0230",
                        "30 2 * * *",
                        b -> b.timezone("America/New_York").catchup(true).startDate(LocalDate.parse("2026-03-07"))));
        firing.fire("ny_0230");
        for (int i = 0; i < 4 * 48; i++) { // four days in half hours
            clock.advance(Duration.ofMinutes(30));
            firing.fire("ny_0230");
        }
        // Intervals start 03-07 02:30 EST, 03-08 03:30 EDT (02:30 does not exist), 03-09 02:30 EDT...
        assertThat(logicalDates(h, "ny_0230", "scheduled"))
                .containsExactly(
                        t("2026-03-07T07:30:00Z"),
                        t("2026-03-08T07:30:00Z"),
                        t("2026-03-09T06:30:00Z"),
                        t("2026-03-10T06:30:00Z"));
        var spring = h.db.dsl()
                .select(DAG_RUN.DATA_INTERVAL_START, DAG_RUN.DATA_INTERVAL_END)
                .from(DAG_RUN)
                .where(
                        DAG_RUN.DAG_ID.eq("ny_0230"),
                        DAG_RUN.LOGICAL_DATE.eq(t("2026-03-08T07:30:00Z").atOffset(java.time.ZoneOffset.UTC)))
                .fetchSingle();
        // The spring-forward day's interval is 23 hours long.
        assertThat(Duration.between(spring.value1(), spring.value2())).isEqualTo(Duration.ofHours(23));
    }

    @Test
    void an_inactive_or_unscheduled_dag_needs_no_more_fires() {
        clock.set(t("2026-03-10T12:00:00Z"));
        h.save(
                engine,
                dev.sluice.dag.DagBuilder.dag("manual_only").task("t", "noop").build(h.types));
        assertThat(firing.fire("manual_only").nextFire()).isNull();
        assertThat(firing.fire("no_such_dag").nextFire()).isNull();
    }
}
