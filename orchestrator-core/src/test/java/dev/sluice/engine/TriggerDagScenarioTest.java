package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.run.RunState;
import dev.sluice.run.TaskState;
import dev.sluice.testing.EngineHarness;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The built-in trigger_dag type on real PostgreSQL, from the YAML fixtures in src/test/resources/scenarios. */
class TriggerDagScenarioTest {
    static EngineHarness h;
    static Engine engine;
    static String target;

    @BeforeAll
    static void start() throws Exception {
        h = new EngineHarness();
        engine = h.engine();
        target = h.fixture(engine, "trigger_dag_target");
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    private Object value(String sql, Object... args) {
        return h.db.dsl().fetchValue(sql, args);
    }

    private String output(long runKey, String taskId, String key) {
        Object v = value("select output->>? from task_instance where run_id = ? and task_id = ?", key, runKey, taskId);
        return v == null ? null : v.toString();
    }

    private long runKeyOf(String dagId, String runId) {
        return ((Number) value("select id from dag_run where dag_id = ? and run_id = ?", dagId, runId)).longValue();
    }

    @Test
    void waiting_for_a_target_that_succeeds_succeeds_with_its_run_and_the_params_passed() throws Exception {
        String dag = h.fixture(engine, "trigger_dag_wait_adopts_success");
        long parent = h.trigger(engine, dag, Map.of());
        assertThat(h.awaitRun(parent, Duration.ofSeconds(30))).isEqualTo(RunState.SUCCESS);
        assertThat(h.taskStates(parent))
                .containsEntry("start", TaskState.SUCCESS)
                .containsEntry("after", TaskState.SUCCESS);

        String runId = output(parent, "start", "run_id");
        assertThat(output(parent, "start", "dag_id")).isEqualTo(target);
        assertThat(output(parent, "start", "state")).isEqualTo("success");
        long child = runKeyOf(target, runId);
        assertThat(h.runState(child)).isEqualTo(RunState.SUCCESS);
        // declared params the parent did not pass keep their defaults, as for an API trigger
        assertThat(value("select params::text from dag_run where id = ?", child).toString())
                .contains("\"segment\": \"eu\"")
                .contains("\"exit_code\": 0");
        // by default the target runs at the parent's logical date, and the run records who started it
        assertThat(value(
                        "select logical_date = (select logical_date from dag_run where id = ?) from dag_run"
                                + " where id = ?",
                        parent,
                        child))
                .isEqualTo(true);
        assertThat(output(parent, "start", "logical_date"))
                .isEqualTo(value(
                        "select to_char(logical_date at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
                                + " from dag_run where id = ?",
                        parent));
        assertThat(value("select triggered_by from dag_run where id = ?", child))
                .isEqualTo("trigger_dag " + dag + "/" + value("select run_id from dag_run where id = ?", parent)
                        + "/start");
        assertThat(h.log(child, "work")).contains("segment eu");
        // start waited for the target: it ended after the target's task did
        assertThat(value(
                        "select p.ended_at >= c.ended_at from task_instance p, task_instance c"
                                + " where p.run_id = ? and p.task_id = 'start' and c.run_id = ? and c.task_id = 'work'",
                        parent,
                        child))
                .isEqualTo(true);
    }

    @Test
    void a_target_that_fails_fails_the_task_naming_its_run_and_a_retry_adopts_the_same_run() throws Exception {
        String dag = h.fixture(engine, "trigger_dag_wait_adopts_failure");
        long parent = h.trigger(engine, dag, Map.of());
        assertThat(h.awaitRun(parent, Duration.ofSeconds(30))).isEqualTo(RunState.FAILED);
        assertThat(h.taskStates(parent))
                .containsEntry("start", TaskState.FAILED)
                .containsEntry("after", TaskState.UPSTREAM_FAILED);
        assertThat(h.attemptStates(parent, "start")).hasSize(2);

        List<Long> children = h.db.dsl()
                .fetch(
                        "select id from dag_run where dag_id = ?"
                                + " and logical_date = (select logical_date from dag_run where id = ?)",
                        target,
                        parent)
                .getValues(0, Long.class);
        assertThat(children).as("the retry adopted the first attempt's run").hasSize(1);
        String childRunId = value("select run_id from dag_run where id = ?", children.get(0))
                .toString();
        assertThat(h.runState(children.get(0))).isEqualTo(RunState.FAILED);
        assertThat(h.error(parent, "start")).contains("triggered run " + target + "/" + childRunId + " failed");
        assertThat(h.log(parent, "start")).contains("found the run an earlier attempt started");
    }

    @Test
    void without_wait_the_task_succeeds_at_once_and_the_target_run_goes_on() throws Exception {
        String dag = h.fixture(engine, "trigger_dag_fire_and_forget");
        long parent = h.trigger(engine, dag, Map.of());
        assertThat(h.awaitRun(parent, Duration.ofSeconds(20))).isEqualTo(RunState.SUCCESS);
        long child = runKeyOf(target, output(parent, "start", "run_id"));
        // the target sleeps 20 s; the parent did not wait for it
        assertThat(h.runState(child)).isIn(RunState.QUEUED, RunState.RUNNING);
        assertThat(output(parent, "start", "state")).isNull();
        assertThat(value("select params->>'segment' from dag_run where id = ?", child))
                .isEqualTo("us");
        engine.control().cancel(child);
    }

    @Test
    void refused_triggers_fail_the_task_naming_the_dag_or_the_param() throws Exception {
        String dag = h.fixture(engine, "trigger_dag_refused");
        long parent = h.trigger(engine, dag, Map.of());
        assertThat(h.awaitRun(parent, Duration.ofSeconds(20))).isEqualTo(RunState.FAILED);
        assertThat(h.taskStates(parent).values()).containsOnly(TaskState.FAILED);
        assertThat(h.error(parent, "unknown_dag")).contains("cannot trigger DAG no_such_dag: no DAG no_such_dag");
        assertThat(h.error(parent, "undeclared_param")).contains("param 'segmnet': not declared by DAG " + target);
        assertThat(h.error(parent, "wrong_type")).contains("param 'exit_code'");
        assertThat(value("select count(*) from dag_run where dag_id = ? and logical_date >= '2030-01-01'", target))
                .isEqualTo(0L);
    }

    @Test
    void a_paused_target_is_refused_and_said_so() throws Exception {
        String dag = h.fixture(engine, "trigger_dag_fire_and_forget");
        engine.dags().setPaused(target, true);
        try {
            long parent = h.trigger(engine, dag, Map.of());
            assertThat(h.awaitRun(parent, Duration.ofSeconds(20))).isEqualTo(RunState.FAILED);
            assertThat(h.error(parent, "start")).contains("DAG " + target + " is paused");
        } finally {
            engine.dags().setPaused(target, false);
        }
    }

    @Test
    void cancelling_a_waiting_task_stops_its_wait_at_once_and_leaves_the_target_running() throws Exception {
        String dag = h.fixture(engine, "trigger_dag_wait_cancelled");
        long parent = h.trigger(engine, dag, Map.of());
        await().atMost(Duration.ofSeconds(20))
                .until(() -> output(parent, "start", "run_id") == null
                        && h.log(parent, "start").contains("[sluice] triggered "));
        String childRunId = value(
                        "select run_id from dag_run where dag_id = ? and logical_date ="
                                + " (select logical_date from dag_run where id = ?)",
                        target,
                        parent)
                .toString();
        long child = runKeyOf(target, childRunId);
        engine.control().cancel(parent);
        // the wait sleeps 5 s between reads; the cancel interrupts it rather than waiting for the next read
        assertThat(h.awaitRun(parent, Duration.ofSeconds(4))).isEqualTo(RunState.CANCELLED);
        await().atMost(Duration.ofSeconds(4))
                .until(() -> h.log(parent, "start")
                        .contains("stopped waiting; run " + target + "/" + childRunId + " goes on"));
        assertThat(h.runState(child)).isIn(RunState.QUEUED, RunState.RUNNING);
        engine.control().cancel(child);
    }

    @Test
    void the_tasks_timeout_ends_the_wait_and_leaves_the_target_running() throws Exception {
        String dag = h.fixture(engine, "trigger_dag_wait_times_out");
        long parent = h.trigger(engine, dag, Map.of());
        // 1 s timeout against a 5 s poll interval: the timeout interrupts the wait
        assertThat(h.awaitRun(parent, Duration.ofSeconds(4))).isEqualTo(RunState.FAILED);
        assertThat(h.error(parent, "start")).containsIgnoringCase("time");
        long child = ((Number) value(
                        "select id from dag_run where dag_id = ?"
                                + " and logical_date = (select logical_date from dag_run where id = ?)",
                        target,
                        parent))
                .longValue();
        assertThat(h.runState(child)).isIn(RunState.QUEUED, RunState.RUNNING);
        engine.control().cancel(child);
    }
}
