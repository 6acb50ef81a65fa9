package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.run.RunState;
import dev.sluice.run.TaskState;
import dev.sluice.testing.EngineHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import org.jooq.Record;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Sensors in {@code mode: reschedule} on real PostgreSQL: between checks the task instance waits as
 * up_for_reschedule, holding no worker slot and no place under max_active_tasks, without spending a try; the
 * sensor's timeout counts from the wait's first check, kept in the database for whichever engine checks next.
 */
class SensorRescheduleScenarioTest {
    static EngineHarness h;
    static Engine engine;

    @BeforeAll
    static void start() throws Exception {
        h = new EngineHarness();
        engine = h.engine();
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    private static Record row(EngineHarness on, long runKey, String taskId) {
        return on.db.dsl()
                .fetchOne(
                        "select try_number, max_tries, reschedule_count, first_check_at, ready_at, output::text"
                                + " from task_instance where run_id = ? and task_id = ?",
                        runKey,
                        taskId);
    }

    private static List<String> attemptWorkers(EngineHarness on, long runKey, String taskId) {
        return on.db.dsl()
                .fetch(
                        "select a.worker_id from attempt a join task_instance t on t.id = a.task_instance_id"
                                + " where t.run_id = ? and t.task_id = ? order by a.try_number",
                        runKey,
                        taskId)
                .getValues(0, String.class);
    }

    @Test
    void a_rescheduled_sensor_gives_the_runs_only_slot_to_the_task_that_satisfies_it() throws Exception {
        String dag = h.fixture(engine, "sensor_reschedule_frees_the_slot");
        Path dir = Files.createTempDirectory("sensor-reschedule");
        Instant started = Instant.now();
        long run = h.trigger(engine, dag, Map.of("dir", dir.toString()));

        // The sensor's first check ran before the file existed and gave the slot back ...
        await().atMost(Duration.ofSeconds(20))
                .until(() -> h.attemptStates(run, "wait").contains("rescheduled"));
        assertThat(h.attemptStates(run, "wait").get(0)).isEqualTo("rescheduled");
        // ... so write, which only max_active_tasks: 1 held back, ran while the sensor waited.
        assertThat(h.awaitRun(run, Duration.ofSeconds(30))).isEqualTo(RunState.SUCCESS);
        // far below the sensor's 60 s timeout, which a poke-mode sensor would have waited out
        assertThat(Duration.between(started, Instant.now())).isLessThan(Duration.ofSeconds(30));

        // One attempt per check, the last one met; each rescheduled check took a try number but no try.
        List<String> attempts = h.attemptStates(run, "wait");
        assertThat(attempts.get(attempts.size() - 1)).isEqualTo("success");
        assertThat(attempts.subList(0, attempts.size() - 1)).isNotEmpty().allMatch("rescheduled"::equals);
        Record wait = row(h, run, "wait");
        int checks = attempts.size();
        assertThat(wait.get("try_number", Integer.class)).isEqualTo(checks);
        assertThat(wait.get("reschedule_count", Integer.class)).isEqualTo(checks - 1);
        // no retries configured: one try, spent by the check that met; the rescheduled ones added theirs back
        assertThat(wait.get("max_tries", Integer.class) - wait.get("reschedule_count", Integer.class))
                .isEqualTo(1);
        assertThat(wait.get("first_check_at")).as("the wait is over").isNull();
        String file = dir.resolve("out/part-1.done").toString();
        assertThat(wait.get("output", String.class)).contains(file).contains("\"poked\": " + checks);
        assertThat(h.error(run, "wait")).isNull();
        assertThat(h.log(run, "after")).contains("matched").contains(file);
    }

    @Test
    void in_poke_mode_the_same_run_holds_its_only_slot_until_the_sensor_times_out() throws Exception {
        String dag = h.fixture(engine, "sensor_poke_holds_the_slot");
        Path dir = Files.createTempDirectory("sensor-poke");
        long run = h.trigger(engine, dag, Map.of("dir", dir.toString()));
        assertThat(h.awaitRun(run, Duration.ofSeconds(30))).isEqualTo(RunState.FAILED);
        assertThat(h.taskStates(run)).containsEntry("wait", TaskState.FAILED).containsEntry("write", TaskState.SUCCESS);
        assertThat(h.error(run, "wait")).contains("sensor timed out after 3s");
    }

    @Test
    void a_rescheduled_sensor_times_out_failed_or_with_soft_fail_skipped() throws Exception {
        String dag = h.fixture(engine, "sensor_reschedule_times_out");
        long run = h.trigger(engine, dag, Map.of());
        // waiting between checks in its own state, visible to anyone reading the table
        await().atMost(Duration.ofSeconds(20))
                .until(() -> h.taskStates(run).get("hard") == TaskState.UP_FOR_RESCHEDULE);
        Record waiting = row(h, run, "hard");
        assertThat(waiting.get("first_check_at")).isNotNull();
        assertThat(waiting.get("ready_at", OffsetDateTime.class))
                .isAfter(waiting.get("first_check_at", OffsetDateTime.class));

        assertThat(h.awaitRun(run, Duration.ofSeconds(30))).isEqualTo(RunState.FAILED);
        assertThat(h.taskStates(run))
                .containsEntry("hard", TaskState.FAILED)
                .containsEntry("soft", TaskState.SKIPPED)
                .containsEntry("after_soft", TaskState.SKIPPED);
        assertThat(h.error(run, "hard"))
                .contains("sensor timed out after 2s")
                .contains("checks)")
                .contains("/nonexistent/sluice-sensor does not exist");
        assertThat(h.error(run, "soft")).contains("sensor timed out after 2s");
        // checks a second apart for 2 s: at least two rescheduled checks before the one that timed out
        List<String> hard = h.attemptStates(run, "hard");
        assertThat(hard.get(hard.size() - 1)).isEqualTo("failed");
        assertThat(hard.subList(0, hard.size() - 1))
                .hasSizeGreaterThanOrEqualTo(2)
                .allMatch("rescheduled"::equals);
        List<String> soft = h.attemptStates(run, "soft");
        assertThat(soft.get(soft.size() - 1)).isEqualTo("success");
        // failing at the sensor's timeout spends the one try the task had: not retried
        Record r = row(h, run, "hard");
        assertThat(r.get("max_tries", Integer.class) - r.get("reschedule_count", Integer.class))
                .isEqualTo(1);
        assertThat(r.get("first_check_at")).isNull();
    }

    @Test
    void the_engine_wakes_for_each_next_check_instead_of_waiting_for_its_poll() throws Exception {
        Engine timed = h.engine(
                h.config().withQueues(List.of("timed")).withPollInterval(Duration.ofSeconds(30)), Clock.systemUTC());
        try {
            String dag = h.fixture(timed, "sensor_reschedule_timed_wake");
            Instant started = Instant.now();
            long run = h.trigger(timed, dag, Map.of());
            assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.FAILED);
            // four checks a second apart, then the timeout: had any waited for the 30 s poll, not within 15 s
            assertThat(Duration.between(started, Instant.now())).isLessThan(Duration.ofSeconds(15));
            assertThat(h.attemptStates(run, "wait"))
                    .hasSizeGreaterThanOrEqualTo(3)
                    .contains("rescheduled");
            assertThat(h.error(run, "wait")).contains("sensor timed out after 3s");
        } finally {
            timed.close();
        }
    }

    @Test
    void a_cancel_or_a_mark_ends_a_waiting_sensor_and_no_check_follows() throws Exception {
        String dag = h.fixture(engine, "sensor_reschedule_times_out");
        long cancelled = h.trigger(engine, dag, Map.of());
        long marked = h.trigger(engine, dag, Map.of());
        for (long run : List.of(cancelled, marked))
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> h.taskStates(run).get("hard") == TaskState.UP_FOR_RESCHEDULE);
        engine.control().cancel(cancelled);
        engine.control().markRun(marked, RunState.FAILED);
        assertThat(h.runState(cancelled)).isEqualTo(RunState.CANCELLED);
        assertThat(h.taskStates(cancelled)).containsEntry("hard", TaskState.CANCELLED);
        assertThat(h.runState(marked)).isEqualTo(RunState.FAILED);
        // a sensor waiting for its next check is mid-work: failed, as a running task would be
        assertThat(h.taskStates(marked)).containsEntry("hard", TaskState.FAILED);
        int checks = h.attemptStates(cancelled, "hard").size();
        // for longer than its next check was away (1 s): nobody claims it again
        await().during(Duration.ofMillis(1500))
                .atMost(Duration.ofSeconds(4))
                .until(() -> h.attemptStates(cancelled, "hard").size() == checks);
        // (a check that had just been claimed when the cancel came ends cancelled)
        assertThat(h.attemptStates(cancelled, "hard")).allMatch(a -> a.equals("rescheduled") || a.equals("cancelled"));
        assertThat(h.taskStates(cancelled)).containsEntry("hard", TaskState.CANCELLED);
    }

    @Test
    void another_engine_continues_the_wait_with_the_first_checks_deadline() throws Exception {
        try (EngineHarness own = new EngineHarness()) {
            Engine first = own.engine(own.config().withWorkerId("first-engine"), Clock.systemUTC());
            String dag = own.fixture(first, "sensor_reschedule_restart");
            Path dir = Files.createTempDirectory("sensor-restart");
            long run = own.trigger(first, dag, Map.of("dir", dir.toString()));
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> own.taskStates(run).get("found") == TaskState.UP_FOR_RESCHEDULE
                            && own.taskStates(run).get("deadline") == TaskState.UP_FOR_RESCHEDULE);
            first.close();
            OffsetDateTime firstCheck = row(own, run, "deadline").get("first_check_at", OffsetDateTime.class);
            assertThat(firstCheck).isNotNull();
            Files.createFile(dir.resolve("part.done"));

            // The next engine's clock is 10 minutes on: as if it started long after the first one stopped. The
            // deadline sensor's 5 min timeout, counted from its first check, has passed; had the wait restarted
            // there, it would wait 5 more minutes.
            Engine second = own.engine(
                    own.config().withWorkerId("second-engine"),
                    Clock.offset(Clock.systemUTC(), Duration.ofMinutes(10)));
            assertThat(own.awaitRun(run, Duration.ofSeconds(30))).isEqualTo(RunState.SUCCESS);
            assertThat(own.taskStates(run))
                    .containsEntry("found", TaskState.SUCCESS)
                    .containsEntry("deadline", TaskState.SKIPPED);
            assertThat(own.error(run, "deadline")).contains("sensor timed out after 5m");
            for (String task : List.of("found", "deadline")) {
                List<String> workers = attemptWorkers(own, run, task);
                assertThat(workers.get(0)).isEqualTo("first-engine");
                assertThat(workers.get(workers.size() - 1)).isEqualTo(second.workerId());
            }
            // waited from the first engine's first check, across the restart
            assertThat(row(own, run, "found").get("output", String.class)).contains("\"waited_seconds\": 6");
        }
    }
}
