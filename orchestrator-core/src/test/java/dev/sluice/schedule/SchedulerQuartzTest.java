package dev.sluice.schedule;

import static dev.sluice.schedule.ScheduleTesting.logicalDates;
import static dev.sluice.schedule.ScheduleTesting.scheduledDag;
import static dev.sluice.schedule.ScheduleTesting.t;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.engine.Engine;
import dev.sluice.testing.EngineHarness;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Quartz really firing, on its clustered JDBC store. The clock runs at wall speed but is set a few seconds before
 * a full hour, so an {@code @hourly} schedule's next fire is seconds away.
 */
class SchedulerQuartzTest {
    static final SchedulerConfig FAST =
            SchedulerConfig.defaults().withIdleWait(Duration.ofSeconds(1)).withCheckinInterval(Duration.ofSeconds(2));

    EngineHarness h;
    ShiftedClock clock = new ShiftedClock();
    final List<AutoCloseable> toClose = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        h = new EngineHarness();
    }

    /** Wall-speed time, set to a chosen instant once the slow set-up is done. */
    static final class ShiftedClock extends Clock {
        private volatile Duration offset = Duration.ZERO;

        void set(Instant now) {
            offset = Duration.between(Instant.now(), now);
        }

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.now().plus(offset);
        }
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : toClose) c.close();
        h.close();
    }

    private SchedulerService scheduler(Engine e, String instanceId, List<String> fires) {
        SchedulerService s = new SchedulerService(e, FAST.withInstanceId(instanceId), firing -> dagId -> {
            var fired = firing.fire(dagId);
            fires.add(instanceId + " " + dagId + " " + fired.created());
            return fired;
        });
        toClose.add(s);
        return s;
    }

    @Test
    void quartz_fires_a_dag_at_the_end_of_its_interval() {
        Engine engine = h.engine(h.config(), clock);
        h.save(engine, scheduledDag(h, "hourly_quartz", "@hourly", b -> b));
        List<String> fires = new CopyOnWriteArrayList<>();
        SchedulerService s = scheduler(engine, "solo", fires);
        clock.set(t("2026-03-10T11:59:56Z"));
        s.start();

        // Armed "now" on registration: the latest ended interval runs at once.
        await().atMost(Duration.ofSeconds(10))
                .until(() -> logicalDates(h, "hourly_quartz", "scheduled").size() == 1);
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(s.nextFire("hourly_quartz"))
                        .hasValueSatisfying(next -> assertThat(next).isCloseTo(t("2026-03-10T12:00:00Z"), within())));
        // And at 12:00 the 11:00 interval's run.
        await().atMost(Duration.ofSeconds(20))
                .until(() -> logicalDates(h, "hourly_quartz", "scheduled").size() == 2);
        assertThat(logicalDates(h, "hourly_quartz", "scheduled"))
                .containsExactly(t("2026-03-10T10:00:00Z"), t("2026-03-10T11:00:00Z"));
    }

    /**
     * A fire that finds the DAG inactive used to leave its job armed-looking but without a trigger: the sync saw an
     * unchanged spec when the DAG came back and never armed it again, and a restart did not help either.
     */
    @Test
    void a_schedule_that_fired_while_its_dag_was_inactive_is_armed_again_when_the_dag_returns() {
        Engine engine = h.engine(h.config(), clock);
        h.save(engine, scheduledDag(h, "comes_back", "@hourly", b -> b));
        SchedulerService s = scheduler(engine, "solo", new CopyOnWriteArrayList<>());
        clock.set(t("2026-03-10T11:59:57Z"));
        s.start();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> logicalDates(h, "comes_back", "scheduled").size() == 1);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> s.nextFire("comes_back").isPresent());

        // Inactive at the instant of the 12:00 fire (its file was away for a moment).
        setActive("comes_back", false);
        await().atMost(Duration.ofSeconds(15))
                .until(() -> s.nextFire("comes_back").isEmpty());
        assertThat(logicalDates(h, "comes_back", "scheduled")).hasSize(1);

        setActive("comes_back", true);
        s.syncSchedules();
        // Armed at once: the 11:00 interval that ended while it was away is created, and the 13:00 fire is armed.
        await().atMost(Duration.ofSeconds(10))
                .until(() -> logicalDates(h, "comes_back", "scheduled").size() == 2);
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(s.nextFire("comes_back"))
                        .hasValueSatisfying(next -> assertThat(next).isCloseTo(t("2026-03-10T13:00:00Z"), within())));

        // A fresh scheduler on the same database (a restart) sees the same armed schedule.
        s.close();
        SchedulerService restarted = scheduler(engine, "solo-2", new CopyOnWriteArrayList<>());
        restarted.start();
        assertThat(restarted.nextFire("comes_back")).isPresent();
    }

    private void setActive(String dagId, boolean active) {
        h.db.dsl()
                .update(dev.sluice.db.jooq.Tables.DAG)
                .set(dev.sluice.db.jooq.Tables.DAG.IS_ACTIVE, active)
                .where(dev.sluice.db.jooq.Tables.DAG.DAG_ID.eq(dagId))
                .execute();
    }

    private static org.assertj.core.data.TemporalUnitOffset within() {
        return org.assertj.core.api.Assertions.within(2, java.time.temporal.ChronoUnit.SECONDS);
    }

    @Test
    void two_clustered_schedulers_fire_every_schedule_exactly_once() {
        Engine a = h.engine(h.config().withWorkerId("a"), clock);
        Engine b = h.engine(h.config().withWorkerId("b"), clock);
        int dags = 12;
        for (int i = 0; i < dags; i++) h.save(a, scheduledDag(h, "cluster_" + i, "@hourly", x -> x));
        List<String> fires = new CopyOnWriteArrayList<>();
        SchedulerService nodeA = scheduler(a, "node-a", fires);
        SchedulerService nodeB = scheduler(b, "node-b", fires);
        clock.set(t("2026-03-10T11:59:55Z"));
        nodeA.start();
        nodeB.start();

        // Every DAG gets its 11:00 run at 12:00 (and its 10:00 run on registration, if that came before 12:00).
        await().atMost(Duration.ofSeconds(25))
                .until(() -> java.util.stream.IntStream.range(0, dags)
                        .allMatch(i ->
                                logicalDates(h, "cluster_" + i, "scheduled").contains(t("2026-03-10T11:00:00Z"))));
        // Let a doubled fire, if there were one, show up.
        await().pollDelay(Duration.ofSeconds(3)).until(() -> true);
        int runs = 0;
        for (int i = 0; i < dags; i++) {
            List<Instant> dates = logicalDates(h, "cluster_" + i, "scheduled");
            assertThat(dates).doesNotHaveDuplicates().last().isEqualTo(t("2026-03-10T11:00:00Z"));
            runs += dates.size();
        }
        // One fire per run created: no fire happened on both members (a doubled fire would create nothing).
        assertThat(fires).hasSize(runs).allSatisfy(f -> assertThat(f).doesNotEndWith("[]"));
        assertThat(fires).anySatisfy(f -> assertThat(f).startsWith("node-"));
    }
}
