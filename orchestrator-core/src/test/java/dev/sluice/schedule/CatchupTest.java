package dev.sluice.schedule;

import static dev.sluice.schedule.ScheduleTesting.daily;
import static dev.sluice.schedule.ScheduleTesting.firing;
import static dev.sluice.schedule.ScheduleTesting.logicalDates;
import static dev.sluice.schedule.ScheduleTesting.scheduledDag;
import static dev.sluice.schedule.ScheduleTesting.t;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.db.jooq.Tables;
import dev.sluice.engine.Engine;
import dev.sluice.testing.EngineHarness;
import dev.sluice.testing.MutableClock;
import java.time.Duration;
import java.time.LocalDate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CatchupTest {
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
    void catchup_creates_exactly_the_missed_runs_oldest_first() {
        clock.set(t("2026-03-10T12:00:00Z"));
        h.save(engine, daily(h, "catchup_on", true, LocalDate.parse("2026-03-01")));
        var created = firing.fire("catchup_on").created();
        assertThat(created).hasSize(9).first().isEqualTo(t("2026-03-01T00:00:00Z"));
        assertThat(created).last().isEqualTo(t("2026-03-09T00:00:00Z"));
        assertThat(created).isSorted();
        // Run keys follow the order: oldest first, which is the order max_active_runs promotes them in.
        var byKey = h.db.dsl()
                .select(Tables.DAG_RUN.LOGICAL_DATE)
                .from(Tables.DAG_RUN)
                .where(Tables.DAG_RUN.DAG_ID.eq("catchup_on"))
                .orderBy(Tables.DAG_RUN.ID)
                .fetch(r -> r.value1().toInstant());
        assertThat(byKey).isEqualTo(created);
        assertThat(firing.fire("catchup_on").created()).isEmpty();
    }

    @Test
    void without_catchup_only_the_latest_interval_runs() {
        clock.set(t("2026-03-10T12:00:00Z"));
        h.save(engine, daily(h, "catchup_off", false, LocalDate.parse("2026-03-01")));
        assertThat(firing.fire("catchup_off").created()).containsExactly(t("2026-03-09T00:00:00Z"));
        clock.advance(Duration.ofDays(3));
        assertThat(firing.fire("catchup_off").created()).containsExactly(t("2026-03-12T00:00:00Z"));
        assertThat(logicalDates(h, "catchup_off", "scheduled")).hasSize(2);
    }

    @Test
    void unpausing_a_catchup_dag_creates_the_missed_intervals_and_runs_wait_for_max_active_runs() {
        clock.set(t("2026-03-10T12:00:00Z"));
        h.save(
                engine,
                scheduledDag(
                        h,
                        "catchup_paused",
                        "0 */6 * * *",
                        b -> b.catchup(true)
                                .startDate(LocalDate.parse("2026-03-10"))
                                .maxActiveRuns(1)));
        assertThat(firing.fire("catchup_paused").created())
                .containsExactly(t("2026-03-10T00:00:00Z"), t("2026-03-10T06:00:00Z"));
        engine.dags().setPaused("catchup_paused", true);
        clock.advance(Duration.ofDays(1));
        assertThat(firing.fire("catchup_paused").created()).isEmpty();
        engine.dags().setPaused("catchup_paused", false);
        assertThat(firing.fire("catchup_paused").created())
                .hasSize(4)
                .containsExactly(
                        t("2026-03-10T12:00:00Z"),
                        t("2026-03-10T18:00:00Z"),
                        t("2026-03-11T00:00:00Z"),
                        t("2026-03-11T06:00:00Z"));
        // Queued behind max_active_runs = 1, never dropped.
        int running = h.db.dsl()
                .fetchCount(
                        Tables.DAG_RUN, Tables.DAG_RUN.DAG_ID.eq("catchup_paused"), Tables.DAG_RUN.STATE.eq("running"));
        assertThat(running).isLessThanOrEqualTo(1);
        assertThat(h.db.dsl().fetchCount(Tables.DAG_RUN, Tables.DAG_RUN.DAG_ID.eq("catchup_paused")))
                .isEqualTo(6);
    }

    @Test
    void a_long_catchup_is_created_in_slices_and_fires_again_at_once() {
        clock.set(t("2026-03-10T12:00:00Z"));
        h.save(
                engine,
                scheduledDag(
                        h,
                        "catchup_big",
                        "*/10 * * * *",
                        b -> b.catchup(true).startDate(LocalDate.parse("2026-03-01"))));
        var first = firing.fire("catchup_big");
        assertThat(first.created()).hasSize(ScheduledRunCreator.MAX_RUNS_PER_FIRE);
        assertThat(first.nextFire()).isEqualTo(clock.instant());
    }
}
