package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.dag.DagJson;
import dev.sluice.dag.DagValidationException;
import dev.sluice.dag.YamlDagParser;
import dev.sluice.run.RunState;
import dev.sluice.testing.EngineHarness;
import dev.sluice.testing.TestDags;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Workers claim only the queues they serve; a run can be kept to one process's own queue. */
class QueuesTest {

    @Test
    void each_task_runs_on_a_worker_that_serves_its_queue() throws Exception {
        try (EngineHarness h = new EngineHarness()) {
            Engine cpu = h.engine(h.config().withWorkerId("cpu-worker"), Clock.systemUTC());
            Engine gpu = h.engine(h.config().withWorkerId("gpu-worker").withQueues(List.of("gpu")), Clock.systemUTC());
            h.save(
                    cpu,
                    TestDags.dag(
                            "queues",
                            10,
                            List.of(
                                    TestDags.task("prepare", "noop", List.of(), Map.of()),
                                    TestDags.onQueue(
                                            TestDags.task("train", "noop", List.of("prepare"), Map.of()), "gpu"),
                                    TestDags.task("report", "noop", List.of("train"), Map.of()))));
            for (int i = 0; i < 5; i++) {
                long run = h.trigger(cpu, "queues", Map.of());
                assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.SUCCESS);
                assertThat(workerOf(h, run, "prepare")).isEqualTo("cpu-worker");
                assertThat(workerOf(h, run, "train")).isEqualTo("gpu-worker");
                assertThat(workerOf(h, run, "report")).isEqualTo("cpu-worker");
            }
            assertThat(h.db.dsl().fetchValue("select queue from task_instance where task_id = 'train' limit 1"))
                    .isEqualTo("gpu");
            gpu.close();
            cpu.close();
        }
    }

    @Test
    void a_task_on_a_queue_nobody_serves_waits_queued_until_a_worker_for_it_starts() throws Exception {
        try (EngineHarness h = new EngineHarness()) {
            Engine cpu = h.engine(h.config().withWorkerId("only-default"), Clock.systemUTC());
            h.save(
                    cpu,
                    TestDags.dag(
                            "waits",
                            10,
                            List.of(TestDags.onQueue(TestDags.task("train", "noop", List.of(), Map.of()), "gpu"))));
            long run = h.trigger(cpu, "waits", Map.of());
            org.awaitility.Awaitility.await().pollDelay(Duration.ofMillis(800)).until(() -> true);
            assertThat(h.taskStates(run).get("train")).isEqualTo(dev.sluice.run.TaskState.QUEUED);
            h.engine(h.config().withWorkerId("late-gpu").withQueues(List.of("gpu")), Clock.systemUTC());
            assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.SUCCESS);
            assertThat(workerOf(h, run, "train")).isEqualTo("late-gpu");
        }
    }

    @Test
    void a_run_created_on_a_private_queue_is_taken_only_by_the_worker_serving_it() throws Exception {
        try (EngineHarness h = new EngineHarness()) {
            Engine shared = h.engine(h.config().withWorkerId("shared-server"), Clock.systemUTC());
            Engine mine = h.engine(
                    h.config().withWorkerId("dags-test").withQueues(List.of("_local.dags-test")), Clock.systemUTC());
            h.save(shared, TestDags.linear("private", 6, "noop", Map.of()));
            long run = mine.runs()
                    .createRun(
                            "private",
                            "manual",
                            java.time.Instant.parse("2026-02-01T00:00:00Z"),
                            null,
                            null,
                            Map.of(),
                            "test",
                            "_local.dags-test");
            assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.SUCCESS);
            for (int i = 0; i < 6; i++) assertThat(workerOf(h, run, "t" + i)).isEqualTo("dags-test");
        }
    }

    @Test
    void queue_is_read_from_yaml_tasks_and_defaults_checked_and_kept_out_of_the_json_when_default() throws Exception {
        try (EngineHarness h = new EngineHarness()) {
            var parser = new YamlDagParser(h.types);
            var dag = parser.parse("""
                    id: q
                    defaults:
                      queue: etl
                    tasks:
                      - id: a
                        type: noop
                      - id: b
                        type: noop
                        queue: gpu
                    """, "q.yaml");
            assertThat(dag.task("a").queue()).isEqualTo("etl");
            assertThat(dag.task("b").queue()).isEqualTo("gpu");
            assertThat(DagJson.fromJson(DagJson.toJson(dag)).task("b").queue()).isEqualTo("gpu");
            var plain = parser.parse("id: p\ntasks:\n  - id: a\n    type: noop\n", "p.yaml");
            assertThat(DagJson.toJson(plain)).doesNotContain("queue");
            assertThatThrownBy(() -> parser.parse(
                            "id: bad\ntasks:\n  - id: a\n    type: noop\n    queue: \"no spaces\"\n", "bad.yaml"))
                    .isInstanceOf(DagValidationException.class)
                    .hasMessageContaining("bad.yaml:5")
                    .hasMessageContaining("queue");
        }
    }

    private static String workerOf(EngineHarness h, long run, String task) {
        Object w = h.db.dsl()
                .fetchValue("select worker_id from task_instance where run_id = ? and task_id = ?", run, task);
        return w == null ? null : w.toString();
    }
}
