package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.sluice.engine.RunCoordinator.RunRequest;
import dev.sluice.run.RunState;
import dev.sluice.run.TaskState;
import dev.sluice.store.RunRepository.RunExistsException;
import dev.sluice.testing.EngineHarness;
import dev.sluice.testing.TestDags;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

/** Many runs created in one batch (a backfill, a burst of triggers): {@link RunCoordinator#createRuns}. */
class RunCreationTest {
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

    static List<RunRequest> requests(String dagId, Instant from, int n) {
        List<RunRequest> out = new ArrayList<>();
        // newest first: the batch's order must not decide which runs start
        for (int i = n - 1; i >= 0; i--)
            out.add(new RunRequest(dagId, "backfill", from.plusSeconds(3600L * i), null, null, Map.of(), "test"));
        return out;
    }

    @Test
    void a_batch_starts_the_oldest_runs_max_active_runs_allows_and_queues_the_rest() throws Exception {
        // two ready roots and a join: the roots start queued at insert, the join waits for both
        h.save(
                engine,
                TestDags.dag(
                        "batch_limited",
                        2,
                        List.of(
                                TestDags.task("a", "noop", List.of(), Map.of("duration", "300ms")),
                                TestDags.task("b", "noop", List.of(), Map.of("duration", "300ms")),
                                TestDags.task("join", "noop", List.of("a", "b"), Map.of()))));
        Instant from = Instant.parse("2024-01-01T00:00:00Z");
        List<Long> keys = engine.runs().createRuns(requests("batch_limited", from, 3));
        assertThat(keys).hasSize(3).doesNotContainNull().doesNotHaveDuplicates();
        // keys come back in request order: the last request is the oldest logical date
        var oldest = h.db.dsl().fetchOne("select logical_date, state from dag_run where id = " + keys.get(2));
        assertThat(oldest.get(0, java.time.OffsetDateTime.class).toInstant()).isEqualTo(from);
        // max_active_runs = 2: the two oldest run, the newest waits
        assertThat(engine.runs().runState(keys.get(0))).isEqualTo(RunState.QUEUED);
        assertThat(h.taskStates(keys.get(0)))
                .containsOnly(
                        Map.entry("a", TaskState.PENDING),
                        Map.entry("b", TaskState.PENDING),
                        Map.entry("join", TaskState.PENDING));
        for (long started : List.of(keys.get(1), keys.get(2))) {
            assertThat(engine.runs().runState(started)).isIn(RunState.RUNNING, RunState.SUCCESS);
            assertThat(h.taskStates(started).get("join"))
                    .isIn(TaskState.PENDING, TaskState.QUEUED, TaskState.RUNNING, TaskState.SUCCESS);
        }
        for (long k : keys) assertThat(h.awaitRun(k, Duration.ofSeconds(30))).isEqualTo(RunState.SUCCESS);
        for (long k : keys) assertThat(h.taskStates(k).values()).containsOnly(TaskState.SUCCESS);
    }

    @Test
    void a_duplicate_logical_date_fails_the_whole_batch() {
        h.save(engine, TestDags.linear("batch_dup", 2, "noop", Map.of()));
        Instant at = Instant.parse("2024-02-01T00:00:00Z");
        engine.runs().createRuns(List.of(new RunRequest("batch_dup", "manual", at, null, null, Map.of(), "test")));
        var batch = List.of(
                new RunRequest("batch_dup", "manual", at.plusSeconds(60), null, null, Map.of(), "test"),
                new RunRequest("batch_dup", "manual", at, null, null, Map.of(), "test"));
        assertThatThrownBy(() -> engine.runs().createRuns(batch))
                .isInstanceOf(RunExistsException.class)
                .hasMessageContaining("batch_dup")
                .hasMessageContaining("none was created");
        assertThat(h.db.dsl().fetchCount(h.db.dsl().selectFrom("dag_run where dag_id = 'batch_dup'")))
                .isEqualTo(1);
        assertThatThrownBy(() -> engine.runs()
                        .createRuns(List.of(new RunRequest("no_such_dag", "manual", at, null, null, Map.of(), "t"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no_such_dag");
    }

    @Test
    void tasks_queued_at_insert_are_announced_like_state_changes() throws Exception {
        h.save(engine, TestDags.linear("batch_events", 2, "noop", Map.of()));
        try (Connection c = h.db.openDedicatedConnection()) {
            c.createStatement().execute("LISTEN sluice_events");
            engine.runs()
                    .createRuns(List.of(new RunRequest(
                            "batch_events",
                            "manual",
                            Instant.parse("2024-03-01T00:00:00Z"),
                            null,
                            null,
                            Map.of(),
                            "t")));
            List<String> payloads = new ArrayList<>();
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                var got = c.unwrap(PGConnection.class).getNotifications(100);
                if (got != null) for (var n : got) payloads.add(n.getParameter());
                return payloads.stream().anyMatch(p -> p.contains("\"task_id\" : \"t0\"") && p.contains("\"queued\""));
            });
            assertThat(payloads).anyMatch(p -> p.contains("\"kind\" : \"run\"") && p.contains("batch_events"));
        }
    }

    /**
     * The node that creates a run and has free slots claims its first tasks in the creating transaction: they are
     * running from the run's own timestamp, not after a wake-up and a claim of their own.
     */
    @Test
    void a_node_with_free_slots_starts_the_first_tasks_in_the_transaction_that_creates_the_run() throws Exception {
        // an engine of its own: nothing else finishing, so no recorder holds its free slots at the moment of creation
        // (then the offer is skipped and the claim loop takes the tasks, as before)
        try (EngineHarness own = new EngineHarness()) {
            Engine e = own.engine();
            own.save(
                    e,
                    TestDags.dag(
                            "first_in_creation",
                            10,
                            List.of(
                                    TestDags.task("root", "noop", List.of(), Map.of("duration", "500ms")),
                                    TestDags.task("next", "noop", List.of("root"), Map.of()))));
            List<Long> all = new ArrayList<>(
                    e.runs().createRuns(requests("first_in_creation", Instant.parse("2024-03-01T00:00:00Z"), 3)));
            all.add(own.trigger(e, "first_in_creation", Map.of()));
            for (long k : all) {
                // claimed in the same transaction: the same clock reading as the run's queued_at (within the
                // microsecond the two bindings may round it to; a claim of its own comes a commit and a wake-up
                // later), and its attempt open
                var row = own.db.dsl().fetchOne("""
                        select abs(extract(epoch from t.started_at - r.queued_at)) < 0.00001,
                               (select count(*) from attempt a where a.task_instance_id = t.id)
                        from task_instance t join dag_run r on r.id = t.run_id
                        where t.run_id = ? and t.task_id = 'root'""", k);
                assertThat(row.get(0, Boolean.class))
                        .as("run %d: root started at the run's queued_at", k)
                        .isTrue();
                assertThat(row.get(1, Long.class)).isEqualTo(1L);
            }
            for (long k : all)
                assertThat(own.awaitRun(k, Duration.ofSeconds(30))).isEqualTo(RunState.SUCCESS);
        }
    }

    /**
     * A finishing run takes its DAG's row only in share mode when no run is queued; runs created while others finish
     * must still start as places free, without the fallback sweep (this engine runs none).
     */
    @Test
    void runs_queued_behind_max_active_runs_start_as_others_finish_without_the_sweep() throws Exception {
        try (EngineHarness own = new EngineHarness()) {
            Engine e = own.engine(
                    own.config().withoutHousekeeping().withWorkerId("no-sweep"), java.time.Clock.systemUTC());
            own.save(
                    e,
                    TestDags.dag(
                            "one_at_a_time",
                            1,
                            List.of(TestDags.task("t", "noop", List.of(), Map.of("duration", "20ms")))));
            List<Long> keys = java.util.Collections.synchronizedList(new ArrayList<>());
            // two creators, one run at a time each, racing with the runs that finish
            List<Thread> creators = new ArrayList<>();
            for (int c = 0; c < 2; c++) {
                int creator = c;
                creators.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < 15; i++) {
                        keys.add(e.runs()
                                .createRun(
                                        "one_at_a_time",
                                        "manual",
                                        Instant.parse("2025-01-01T00:00:00Z").plusSeconds(creator * 1000L + i),
                                        null,
                                        null,
                                        Map.of(),
                                        "test"));
                        try {
                            Thread.sleep(7 + creator * 5);
                        } catch (InterruptedException ex) {
                            return;
                        }
                    }
                }));
            }
            for (Thread t : creators) t.join();
            assertThat(keys).hasSize(30);
            for (long k : keys)
                assertThat(own.awaitRun(k, Duration.ofSeconds(30))).isEqualTo(RunState.SUCCESS);
            // and never two at once
            assertThat(own.db.dsl().fetchValue("""
                    select count(*) from dag_run a join dag_run b on a.id < b.id and a.dag_id = b.dag_id
                    where a.started_at < b.ended_at and b.started_at < a.ended_at""")).isEqualTo(0L);
        }
    }
}
