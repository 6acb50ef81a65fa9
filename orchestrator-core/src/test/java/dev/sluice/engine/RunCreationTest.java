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
}
