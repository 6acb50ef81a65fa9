package dev.sluice.schedule;

import static dev.sluice.db.jooq.Tables.DAG_RUN;
import static dev.sluice.schedule.ScheduleTesting.logicalDates;
import static dev.sluice.schedule.ScheduleTesting.t;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.sluice.dag.DagBuilder;
import dev.sluice.engine.Engine;
import dev.sluice.schedule.BackfillService.Reprocess;
import dev.sluice.testing.ConcurrencyProbeTask;
import dev.sluice.testing.EngineHarness;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BackfillServiceTest {
    static EngineHarness h;
    static Engine engine;
    static BackfillService backfills;
    static ConcurrencyProbeTask probe = new ConcurrencyProbeTask();

    @BeforeAll
    static void start() throws Exception {
        h = new EngineHarness();
        h.types.register(probe);
        engine = h.engine();
        backfills = new BackfillService(engine).start(Duration.ofMillis(200));
    }

    @AfterAll
    static void stop() {
        backfills.close();
        h.close();
    }

    private int unfinished(long backfillId) {
        return h.db.dsl()
                .fetchCount(DAG_RUN, DAG_RUN.BACKFILL_ID.eq(backfillId), DAG_RUN.STATE.in("queued", "running"));
    }

    @Test
    void a_backfill_runs_every_interval_in_range_within_its_parallelism() {
        h.save(
                engine,
                DagBuilder.dag("bf_daily")
                        .schedule("@daily")
                        .maxActiveRuns(16)
                        .task(
                                "work",
                                "probe",
                                x -> x.config("group", "bf_daily").config("sleep_ms", 150))
                        .build(h.types));
        var b = backfills.create(
                "bf_daily", t("2026-01-01T00:00:00Z"), t("2026-01-10T00:00:00Z"), 3, Reprocess.NONE, "alice");
        assertThat(b.state()).isEqualTo("running");
        assertThat(b.createdBy()).isEqualTo("alice");

        AtomicInteger maxUnfinished = new AtomicInteger();
        await().atMost(Duration.ofSeconds(40))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> {
                    maxUnfinished.accumulateAndGet(unfinished(b.id()), Math::max);
                    return !backfills.get(b.id()).orElseThrow().state().equals("running");
                });
        assertThat(backfills.get(b.id()).orElseThrow().state()).isEqualTo("success");
        assertThat(maxUnfinished.get()).isBetween(1, 3);
        assertThat(probe.maxConcurrent("bf_daily")).isBetween(1, 3);
        var dates = logicalDates(h, "bf_daily", "backfill");
        assertThat(dates).hasSize(10).first().isEqualTo(t("2026-01-01T00:00:00Z"));
        assertThat(dates).last().isEqualTo(t("2026-01-10T00:00:00Z"));
        var first = h.db.dsl()
                .selectFrom(DAG_RUN)
                .where(DAG_RUN.DAG_ID.eq("bf_daily"))
                .orderBy(DAG_RUN.LOGICAL_DATE)
                .limit(1)
                .fetchSingle();
        assertThat(first.getDataIntervalEnd().toInstant()).isEqualTo(t("2026-01-02T00:00:00Z"));
        assertThat(first.getTriggeredBy()).isEqualTo("backfill:" + b.id());
    }

    @Test
    void a_second_backfill_reruns_only_the_failed_runs_of_the_range() {
        h.save(
                engine,
                DagBuilder.dag("bf_flaky")
                        .schedule("@daily")
                        .task("once_broken", "scripted", x -> x.retries(0).config("fail_attempts", 1))
                        .build(h.types));
        var broken = backfills.create(
                "bf_flaky", t("2026-02-01T00:00:00Z"), t("2026-02-03T00:00:00Z"), 2, Reprocess.NONE, "bob");
        await().atMost(Duration.ofSeconds(30))
                .until(() -> !backfills.get(broken.id()).orElseThrow().state().equals("running"));
        assertThat(backfills.get(broken.id()).orElseThrow().state()).isEqualTo("failed");

        // The failed runs are cleared and run again (the scripted task fails only its first attempt).
        var rerun = backfills.create(
                "bf_flaky", t("2026-02-01T00:00:00Z"), t("2026-02-03T00:00:00Z"), 2, Reprocess.FAILED, "bob");
        await().atMost(Duration.ofSeconds(30))
                .until(() -> !backfills.get(rerun.id()).orElseThrow().state().equals("running"));
        assertThat(backfills.get(rerun.id()).orElseThrow().state()).isEqualTo("success");
        assertThat(logicalDates(h, "bf_flaky", "backfill")).hasSize(3);
        assertThat(h.db.dsl().fetchCount(DAG_RUN, DAG_RUN.DAG_ID.eq("bf_flaky"), DAG_RUN.STATE.eq("success")))
                .isEqualTo(3);

        // A range that already succeeded is left alone without reprocessing: nothing to do, done at once.
        var none = backfills.create(
                "bf_flaky", t("2026-02-01T00:00:00Z"), t("2026-02-03T00:00:00Z"), 2, Reprocess.FAILED, "bob");
        assertThat(none.state()).isEqualTo("success");
        assertThat(h.db.dsl().fetchCount(DAG_RUN, DAG_RUN.DAG_ID.eq("bf_flaky")))
                .isEqualTo(3);
    }

    @Test
    void cancelling_stops_a_backfill() {
        h.save(
                engine,
                DagBuilder.dag("bf_slow")
                        .schedule("@hourly")
                        .task("work", "probe", x -> x.config("group", "bf_slow").config("sleep_ms", 300))
                        .build(h.types));
        var b = backfills.create(
                "bf_slow", t("2026-01-01T00:00:00Z"), t("2026-01-02T00:00:00Z"), 2, Reprocess.NONE, "carol");
        assertThat(backfills.cancel(b.id()).state()).isEqualTo("cancelled");
        await().atMost(Duration.ofSeconds(10)).until(() -> unfinished(b.id()) == 0);
        assertThat(logicalDates(h, "bf_slow", "backfill")).hasSizeLessThanOrEqualTo(2);
    }

    @Test
    void a_backfill_needs_a_schedule_and_an_interval_in_range() {
        h.save(engine, DagBuilder.dag("bf_manual").task("t", "noop").build(h.types));
        assertThatThrownBy(() -> backfills.create(
                        "bf_manual", t("2026-01-01T00:00:00Z"), t("2026-01-02T00:00:00Z"), 1, Reprocess.NONE, "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no schedule");
        h.save(
                engine,
                DagBuilder.dag("bf_monthly")
                        .schedule("@monthly")
                        .task("t", "noop")
                        .build(h.types));
        assertThatThrownBy(() -> backfills.create(
                        "bf_monthly", t("2026-01-02T00:00:00Z"), t("2026-01-20T00:00:00Z"), 1, Reprocess.NONE, "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no schedule interval");
        assertThatThrownBy(() -> backfills.create(
                        "nope", t("2026-01-01T00:00:00Z"), t("2026-01-02T00:00:00Z"), 1, Reprocess.NONE, "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown DAG");
    }
}
