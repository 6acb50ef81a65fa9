package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.run.RunState;
import dev.sluice.store.LogStore;
import dev.sluice.testing.EngineHarness;
import dev.sluice.testing.TestDags;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WakeUpAndLogsTest {

    @Test
    void a_worker_in_another_engine_is_woken_by_notify_not_by_polling() throws Exception {
        try (EngineHarness h = new EngineHarness()) {
            // the worker polls only every 30 s: finishing within a second proves LISTEN/NOTIFY woke it
            Engine worker = h.engine(
                    h.config().withPollInterval(Duration.ofSeconds(30)).withWorkerId("listener"), Clock.systemUTC());
            Engine api = h.engine(
                    h.config()
                            .withoutWorker()
                            .withPollInterval(Duration.ofSeconds(30))
                            .withWorkerId("api"),
                    Clock.systemUTC());
            h.save(api, TestDags.linear("notify_me", 3, "noop", Map.of()));
            Thread.sleep(300); // let the worker settle into its long wait
            Instant t0 = Instant.now();
            long run = h.trigger(api, "notify_me", Map.of());
            assertThat(h.awaitRun(run, Duration.ofSeconds(10))).isEqualTo(RunState.SUCCESS);
            assertThat(Duration.between(t0, Instant.now())).isLessThan(Duration.ofSeconds(2));
            assertThat(h.db.dsl().fetchValue("select count(distinct worker_id) from attempt"))
                    .isEqualTo(1L);
        }
    }

    @Test
    void an_attempt_log_can_be_read_while_the_task_runs_and_after() throws Exception {
        try (EngineHarness h = new EngineHarness()) {
            Engine e = h.engine();
            h.save(
                    e,
                    TestDags.dag(
                            "chatty",
                            1,
                            List.of(TestDags.task(
                                    "talk",
                                    "shell",
                                    List.of(),
                                    Map.of("command", "echo first line; sleep 1.5; echo second line >&2")))));
            long run = h.trigger(e, "chatty", Map.of());
            String path = null;
            for (int i = 0; i < 200 && path == null; i++) {
                Object p = h.db.dsl()
                        .fetchValue(
                                "select a.log_path from attempt a join task_instance t on t.id = a.task_instance_id where t.run_id = ?",
                                run);
                path = p == null ? null : p.toString();
                Thread.sleep(20);
            }
            LogStore.Chunk partial = null;
            for (int i = 0; i < 100; i++) {
                partial = LogStore.read(Path.of(path), 0, 1 << 16);
                if (partial.text().contains("first line")) break;
                Thread.sleep(20);
            }
            assertThat(h.runState(run)).isEqualTo(RunState.RUNNING);
            assertThat(partial.text()).contains("first line").doesNotContain("second line");
            assertThat(h.awaitRun(run, Duration.ofSeconds(10))).isEqualTo(RunState.SUCCESS);
            LogStore.Chunk rest = LogStore.read(Path.of(path), partial.nextOffset(), 1 << 16);
            assertThat(rest.text()).isEqualTo("second line\n");
        }
    }

    /**
     * The claim writes each attempt's log path in SQL (one statement with the claim); it must be exactly the path
     * the worker writes to, LogStore.path, for names with characters a path must not carry and for mapped tasks.
     */
    @Test
    void each_attempt_records_the_log_path_its_worker_writes_to() throws Exception {
        try (EngineHarness h = new EngineHarness()) {
            Engine e = h.engine();
            String source = """
                    id: odd_names
                    tasks:
                      - id: list
                        type: scripted
                        config: { output: { items: [1, 2, 3] } }
                      - id: each
                        type: scripted
                        depends_on: [list]
                        expand: { n: "{{ tasks.list.output.items }}" }
                    """;
            var dag = new dev.sluice.dag.YamlDagParser(h.types).parse(source, "odd_names.yaml");
            e.dags().save(dag, "odd_names.yaml", source);
            // its run id (manual__2026-03-01T00:00:00Z) has a character a path must not carry: the colons
            long run = e.runs()
                    .createRun(
                            "odd_names", "manual", Instant.parse("2026-03-01T00:00:00Z"), null, null, Map.of(), "test");
            assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.SUCCESS);
            LogStore logs = new LogStore(h.config().home());
            var rows = h.db.dsl().fetch("""
                    select t.dag_id, r.run_id, t.task_id, t.map_index, a.try_number, a.log_path
                    from attempt a join task_instance t on t.id = a.task_instance_id join dag_run r on r.id = t.run_id
                    where t.run_id = ?""", run);
            assertThat(rows).hasSize(4);
            for (var r : rows) {
                Path expected = logs.path(
                        r.get(0, String.class),
                        r.get(1, String.class),
                        r.get(2, String.class),
                        r.get(3, Integer.class),
                        r.get(4, Integer.class));
                assertThat(r.get(5, String.class)).isEqualTo(expected.toString());
                assertThat(expected).exists();
            }
            assertThat(rows.map(r -> r.get(5, String.class)))
                    .anyMatch(p -> p.endsWith("/odd_names/manual__2026-03-01T00_00_00Z/each/map-2/attempt-1.log"))
                    .anyMatch(p -> p.endsWith("/list/attempt-1.log"));
        }
    }
}
