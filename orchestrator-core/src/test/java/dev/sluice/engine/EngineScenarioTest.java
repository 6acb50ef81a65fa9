package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.run.RunState;
import dev.sluice.run.TaskState;
import dev.sluice.testing.EngineHarness;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Whole runs on real PostgreSQL, from the YAML fixtures in src/test/resources/scenarios. */
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

    private long run(String fixture) throws Exception {
        return h.trigger(engine, h.fixture(engine, fixture), Map.of());
    }

    private Object value(String sql, Object... args) {
        return h.db.dsl().fetchValue(sql, args);
    }

    @Test
    void linear_three_tasks_run_in_order_and_succeed() throws Exception {
        long run = run("linear_three_tasks");
        assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.SUCCESS);
        assertThat(h.taskStates(run).values()).containsOnly(TaskState.SUCCESS);
        var order = h.db.dsl()
                .fetch("select task_id from task_instance where run_id = ? order by started_at", run)
                .getValues(0, String.class);
        assertThat(order).containsExactly("t0", "t1", "t2");
    }

    @Test
    void diamond_join_waits_for_both_branches() throws Exception {
        long run = run("diamond_join_waits_for_slow_branch");
        assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.SUCCESS);
        var bEnd = (OffsetDateTime) value("select ended_at from task_instance where run_id = ? and task_id = 'b'", run);
        var dStart =
                (OffsetDateTime) value("select started_at from task_instance where run_id = ? and task_id = 'd'", run);
        assertThat(dStart).isAfterOrEqualTo(bEnd);
    }

    @Test
    void fan_out_fan_in_runs_every_branch_exactly_once() throws Exception {
        long run = run("fan_out_twenty_fan_in");
        assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.SUCCESS);
        assertThat(h.taskStates(run).values()).hasSize(22).containsOnly(TaskState.SUCCESS);
        assertThat(value(
                        "select count(*) from attempt a join task_instance t on t.id = a.task_instance_id where t.run_id = ?",
                        run))
                .isEqualTo(22L);
    }

    @Test
    void task_that_fails_then_succeeds_is_retried_and_its_output_kept() throws Exception {
        long run = run("flaky_task_fails_twice_then_succeeds");
        assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.SUCCESS);
        assertThat(h.attemptStates(run, "flaky")).containsExactly("failed", "failed", "success");
        assertThat(value("select output->>'rows' from task_instance where run_id = ? and task_id = 'flaky'", run))
                .isEqualTo("3");
    }

    @Test
    void failure_propagates_upstream_failed_and_fails_the_run() throws Exception {
        long run = run("first_task_fails_downstream_upstream_failed");
        assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.FAILED);
        assertThat(h.taskStates(run))
                .containsEntry("a", TaskState.FAILED)
                .containsEntry("b", TaskState.UPSTREAM_FAILED)
                .containsEntry("c", TaskState.UPSTREAM_FAILED)
                .containsEntry("side", TaskState.SUCCESS);
        assertThat(value("select error from task_instance where run_id = ? and task_id = 'a'", run)
                        .toString())
                .contains("scripted failure on attempt 1");
    }

    @Test
    void every_trigger_rule_behaves_as_in_airflow() throws Exception {
        long run = run("every_trigger_rule");
        assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.FAILED);
        assertThat(h.taskStates(run))
                .containsAllEntriesOf(Map.ofEntries(
                        Map.entry("ok", TaskState.SUCCESS),
                        Map.entry("bad", TaskState.FAILED),
                        Map.entry("skipper", TaskState.SKIPPED),
                        Map.entry("all_success_mixed", TaskState.UPSTREAM_FAILED),
                        Map.entry("all_success_skipped", TaskState.SKIPPED),
                        Map.entry("all_failed_bad", TaskState.SUCCESS),
                        Map.entry("all_failed_mixed", TaskState.SKIPPED),
                        Map.entry("all_done_mixed", TaskState.SUCCESS),
                        Map.entry("one_success_mixed", TaskState.SUCCESS),
                        Map.entry("one_success_none", TaskState.UPSTREAM_FAILED),
                        Map.entry("one_failed_mixed", TaskState.SUCCESS),
                        Map.entry("none_failed_ok_skip", TaskState.SUCCESS),
                        Map.entry("none_failed_bad", TaskState.UPSTREAM_FAILED),
                        Map.entry("none_skipped_mixed", TaskState.SUCCESS),
                        Map.entry("none_skipped_skip", TaskState.SKIPPED),
                        Map.entry("always_after_bad", TaskState.SUCCESS),
                        Map.entry("chain_after_upstream_failed", TaskState.UPSTREAM_FAILED)));
    }

    @Test
    void shell_timeout_kills_the_process_tree_and_fails_the_task() throws Exception {
        long run = run("shell_timeout_kills_children");
        assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.FAILED);
        assertThat(h.attemptStates(run, "slow")).containsExactly("timed_out");
        assertThat(value("select error from task_instance where run_id = ? and task_id = 'slow'", run)
                        .toString())
                .contains("timed out after 700ms");
        Thread.sleep(200);
        // An odd duration only this scenario uses: other builds on the machine may well be sleeping 30 s.
        var survivors = ProcessHandle.allProcesses()
                .filter(p -> p.info()
                        .commandLine()
                        .map(c -> c.contains("sleep 29.731"))
                        .orElse(false))
                .toList();
        assertThat(survivors).as("child processes of a timed-out task").isEmpty();
    }

    @Test
    void shell_output_feeds_downstream_templates_and_a_typo_fails_loudly() throws Exception {
        long run = run("shell_output_feeds_templates");
        assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.FAILED);
        assertThat(h.taskStates(run))
                .containsEntry("extract", TaskState.SUCCESS)
                .containsEntry("load", TaskState.SUCCESS)
                .containsEntry("typo", TaskState.FAILED);
        assertThat(value("select output->>'path' from task_instance where run_id = ? and task_id = 'extract'", run))
                .isEqualTo("/data/2026-01-01.csv");
        assertThat(value("select error from task_instance where run_id = ? and task_id = 'typo'", run)
                        .toString())
                .contains("whom");
        String logPath = (String) value(
                "select a.log_path from attempt a join task_instance t on t.id = a.task_instance_id"
                        + " where t.run_id = ? and t.task_id = 'load'",
                run);
        assertThat(java.nio.file.Files.readString(java.nio.file.Path.of(logPath)))
                .contains("hello world attempt 1 run manual__");

        // The attempt keeps the config it ran with, rendered (values in the command shell-quoted), with secret-looking
        // values masked.
        String rendered = value(
                        "select a.rendered_config::text from attempt a join task_instance t on t.id = a.task_instance_id"
                                + " where t.run_id = ? and t.task_id = 'load'",
                        run)
                .toString();
        assertThat(rendered)
                .contains("test '/data/2026-01-01.csv' = /data/'2026-01-01'.csv && echo hello 'world' attempt '1'")
                .contains("\"REGION\": \"eu-world\"")
                .contains("\"API_TOKEN\": \"***\"")
                .doesNotContain("s3cret");
        // A template that fails to render leaves nothing to show.
        assertThat(value(
                        "select a.rendered_config from attempt a join task_instance t on t.id = a.task_instance_id"
                                + " where t.run_id = ? and t.task_id = 'typo'",
                        run))
                .isNull();
    }

    @Test
    void secrets_come_from_the_worker_environment_and_are_masked_in_the_stored_config_and_the_log() throws Exception {
        System.setProperty("SLUICE_SECRET_SCENARIO_KEY", "k3y-71c9e2");
        var seen = new java.util.concurrent.CopyOnWriteArrayList<String>();
        var http = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/ping", ex -> {
            seen.add(
                    ex.getRequestURI().getQuery() + " " + ex.getRequestHeaders().getFirst("X-Client"));
            ex.sendResponseHeaders(200, 2);
            ex.getResponseBody().write("ok".getBytes());
            ex.close();
        });
        http.start();
        try {
            long run = h.trigger(
                    engine,
                    h.fixture(engine, "secret_templates"),
                    Map.of("port", http.getAddress().getPort()));
            assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.FAILED);
            assertThat(h.taskStates(run))
                    .containsEntry("call", TaskState.SUCCESS)
                    .containsEntry("missing", TaskState.FAILED);
            // The request carried the real value...
            assertThat(seen).containsExactly("key=k3y-71c9e2 sluice k3y-71c9e2");
            // ...which neither the stored config nor the log shows.
            String rendered = value(
                            "select a.rendered_config::text from attempt a join task_instance t on t.id = a.task_instance_id"
                                    + " where t.run_id = ? and t.task_id = 'call'",
                            run)
                    .toString();
            assertThat(rendered)
                    .contains("/ping?key=***")
                    .contains("sluice ***")
                    .doesNotContain("k3y-71c9e2");
            String logPath = (String) value(
                    "select a.log_path from attempt a join task_instance t on t.id = a.task_instance_id"
                            + " where t.run_id = ? and t.task_id = 'call'",
                    run);
            assertThat(java.nio.file.Files.readString(java.nio.file.Path.of(logPath)))
                    .contains("GET http://127.0.0.1:")
                    .contains("key=***")
                    .doesNotContain("k3y-71c9e2");
            // An unset secret fails the attempt naming it, rather than rendering as empty text.
            assertThat(value("select error from task_instance where run_id = ? and task_id = 'missing'", run)
                            .toString())
                    .contains("NOT_SET_ANYWHERE");
        } finally {
            http.stop(0);
            System.clearProperty("SLUICE_SECRET_SCENARIO_KEY");
        }
    }
}
