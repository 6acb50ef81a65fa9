package dev.sluice.engine;

import static dev.sluice.testing.TestDags.dag;
import static dev.sluice.testing.TestDags.task;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dag.RetryBackoff;
import dev.sluice.engine.Engine;
import dev.sluice.run.RunState;
import dev.sluice.run.TaskState;
import dev.sluice.testing.EngineHarness;
import dev.sluice.testing.TestDags;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EngineScenarioTest {
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

    @Test
    void linear_three_tasks_run_in_order_and_succeed() throws Exception {
        h.save(engine, TestDags.linear("linear3", 3, "noop", Map.of()));
        long run = h.trigger(engine, "linear3", Map.of());
        assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.SUCCESS);
        assertThat(h.taskStates(run)).containsOnly(
                Map.entry("t0", TaskState.SUCCESS), Map.entry("t1", TaskState.SUCCESS), Map.entry("t2", TaskState.SUCCESS));
        var started = h.db.dsl().fetch("select task_id, started_at from task_instance where run_id = ? order by started_at", run)
                .getValues(0, String.class);
        assertThat(started).containsExactly("t0", "t1", "t2");
    }

    @Test
    void diamond_join_waits_for_both_branches() throws Exception {
        h.save(engine, dag("diamond", 10, List.of(
                task("a", "noop", List.of(), Map.of()),
                task("b", "scripted", List.of("a"), Map.of("sleep_ms", 150)),
                task("c", "noop", List.of("a"), Map.of()),
                task("d", "noop", List.of("b", "c"), Map.of()))));
        long run = h.trigger(engine, "diamond", Map.of());
        assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.SUCCESS);
        var rows = h.db.dsl().fetch("select task_id, started_at, ended_at from task_instance where run_id = ?", run);
        var bEnd = rows.stream().filter(r -> r.get(0).equals("b")).findFirst().orElseThrow().get(2, java.time.OffsetDateTime.class);
        var dStart = rows.stream().filter(r -> r.get(0).equals("d")).findFirst().orElseThrow().get(1, java.time.OffsetDateTime.class);
        assertThat(dStart).isAfterOrEqualTo(bEnd);
    }

    @Test
    void fan_out_fan_in_runs_every_branch_once() throws Exception {
        var tasks = new java.util.ArrayList<dev.sluice.dag.TaskDef>();
        tasks.add(task("start", "noop", List.of(), Map.of()));
        var mids = new java.util.ArrayList<String>();
        for (int i = 0; i < 20; i++) {
            tasks.add(task("m" + i, "noop", List.of("start"), Map.of()));
            mids.add("m" + i);
        }
        tasks.add(task("end", "noop", mids, Map.of()));
        h.save(engine, dag("fan", 10, tasks));
        long run = h.trigger(engine, "fan", Map.of());
        assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.SUCCESS);
        assertThat(h.taskStates(run).values()).hasSize(22).containsOnly(TaskState.SUCCESS);
        assertThat(h.db.dsl().fetchCount(dev.sluice.db.jooq.Tables.ATTEMPT)).isGreaterThanOrEqualTo(22);
    }

    @Test
    void task_that_fails_then_succeeds_is_retried() throws Exception {
        var t = TestDags.withRetries(task("flaky", "scripted", List.of(), Map.of("fail_attempts", 2)),
                2, Duration.ofMillis(50), RetryBackoff.FIXED);
        h.save(engine, dag("flaky", 10, List.of(t, task("after", "noop", List.of("flaky"), Map.of()))));
        long run = h.trigger(engine, "flaky", Map.of());
        assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.SUCCESS);
        assertThat(h.attemptStates(run, "flaky")).containsExactly("failed", "failed", "success");
    }

    @Test
    void failure_without_retries_propagates_upstream_failed_and_fails_the_run() throws Exception {
        h.save(engine, dag("broken", 10, List.of(
                task("a", "scripted", List.of(), Map.of("fail_attempts", 5)),
                task("b", "noop", List.of("a"), Map.of()),
                task("c", "noop", List.of("b"), Map.of()),
                task("side", "noop", List.of(), Map.of()))));
        long run = h.trigger(engine, "broken", Map.of());
        assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.FAILED);
        assertThat(h.taskStates(run)).containsEntry("a", TaskState.FAILED)
                .containsEntry("b", TaskState.UPSTREAM_FAILED)
                .containsEntry("c", TaskState.UPSTREAM_FAILED)
                .containsEntry("side", TaskState.SUCCESS);
        String error = h.db.dsl().fetchValue("select error from task_instance where run_id = ? and task_id = 'a'", run).toString();
        assertThat(error).contains("scripted failure on attempt 1");
    }

    @Test
    void shell_timeout_kills_the_process_tree_and_fails_the_task() throws Exception {
        String marker = "sluice-timeout-" + System.nanoTime();
        var t = TestDags.withTimeout(task("slow", "shell", List.of(),
                Map.of("command", "bash -c 'sleep 30; echo " + marker + "' & sleep 30 # " + marker)), Duration.ofMillis(700));
        h.save(engine, dag("timeout", 10, List.of(t)));
        long run = h.trigger(engine, "timeout", Map.of());
        assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.FAILED);
        assertThat(h.attemptStates(run, "slow")).containsExactly("timed_out");
        String error = h.db.dsl().fetchValue("select error from task_instance where run_id = ? and task_id = 'slow'", run).toString();
        assertThat(error).contains("timed out after 700ms");
        Thread.sleep(200);
        var survivors = ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains(marker)).orElse(false)).toList();
        assertThat(survivors).as("child processes of a timed-out task").isEmpty();
    }

    @Test
    void shell_output_file_becomes_output_and_feeds_downstream_templates() throws Exception {
        h.save(engine, dag("outputs", 10, List.of(
                task("extract", "shell", List.of(), Map.of("command", "echo '{\"path\": \"/data/{{ ds }}.csv\"}' > $SLUICE_OUTPUT")),
                task("load", "shell", List.of("extract"), Map.of("command",
                        "test '{{ tasks.extract.output.path }}' = /data/{{ ds }}.csv && echo loading {{ tasks.extract.output.path }} attempt {{ attempt }} {{ params.who }}")))));
        // the DAG declares no params, so a param is refused; outputs still flow
        long run = h.trigger(engine, "outputs", Map.of());
        assertThat(h.awaitRun(run, Duration.ofSeconds(20))).as("states %s", h.taskStates(run)).isEqualTo(RunState.FAILED);
        // {{ params.who }} is undefined: strict templates fail the task instead of rendering an empty string
        String error = h.db.dsl().fetchValue("select error from task_instance where run_id = ? and task_id = 'load'", run).toString();
        assertThat(error).contains("who");
        Object out = h.db.dsl().fetchValue("select output->>'path' from task_instance where run_id = ? and task_id = 'extract'", run);
        assertThat(out).isEqualTo("/data/2026-01-01.csv");
    }
}
