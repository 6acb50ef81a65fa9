package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.sluice.run.RunState;
import dev.sluice.run.TaskState;
import dev.sluice.testing.EngineHarness;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The built-in sensor types (poke mode) on real PostgreSQL, from the YAML fixtures in src/test/resources/scenarios. */
class SensorScenarioTest {
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

    private String output(long runKey, String taskId, String key) {
        Object v = h.db.dsl()
                .fetchValue(
                        "select output->>? from task_instance where run_id = ? and task_id = ?", key, runKey, taskId);
        return v == null ? null : v.toString();
    }

    /** Until the task has poked at least once without its condition holding: it is really waiting. */
    private void awaitWaiting(long runKey, String taskId) throws java.io.IOException {
        await().atMost(Duration.ofSeconds(20)).until(() -> h.log(runKey, taskId).contains("poke 1:"));
        assertThat(h.log(runKey, taskId)).contains("not yet");
    }

    @Test
    void a_file_sensor_succeeds_once_another_run_writes_the_file() throws Exception {
        String waits = h.fixture(engine, "sensor_file_waits");
        String producer = h.fixture(engine, "sensor_file_producer");
        Path dir = Files.createTempDirectory("sensor-file");
        long run = h.trigger(engine, waits, Map.of("dir", dir.toString()));
        awaitWaiting(run, "wait");
        assertThat(h.taskStates(run)).containsEntry("wait", TaskState.RUNNING);

        long write = h.trigger(engine, producer, Map.of("dir", dir.toString()));
        assertThat(h.awaitRun(write, Duration.ofSeconds(20))).isEqualTo(RunState.SUCCESS);
        assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.SUCCESS);
        String file = dir.resolve("in/part-1.done").toString();
        assertThat(output(run, "wait", "files")).isEqualTo("[\"" + file + "\"]");
        assertThat(Integer.parseInt(output(run, "wait", "poked"))).isGreaterThanOrEqualTo(2);
        assertThat(Double.parseDouble(output(run, "wait", "waited_seconds"))).isPositive();
        assertThat(h.log(run, "wait")).contains(dir + "/in does not exist -> not yet");
        assertThat(h.log(run, "after")).contains("matched").contains(file);
    }

    @Test
    void a_timed_out_sensor_fails_and_with_soft_fail_is_skipped() throws Exception {
        String dag = h.fixture(engine, "sensor_file_times_out");
        long run = h.trigger(engine, dag, Map.of());
        assertThat(h.awaitRun(run, Duration.ofSeconds(30))).isEqualTo(RunState.FAILED);
        assertThat(h.taskStates(run))
                .containsEntry("hard", TaskState.FAILED)
                .containsEntry("soft", TaskState.SKIPPED)
                .containsEntry("after_soft", TaskState.SKIPPED);
        assertThat(h.error(run, "hard"))
                .contains("sensor timed out after 2s")
                .contains("/nonexistent/sluice-sensor does not exist");
        assertThat(h.error(run, "soft")).contains("sensor timed out after 2s");
        assertThat(h.attemptStates(run, "soft")).containsExactly("success");
        // the sensor's own timeout, not the task's: a few pokes, one a second
        assertThat(h.log(run, "hard")).contains("poke 2:");
    }

    @Test
    void a_sql_sensor_holds_on_a_truthy_first_cell_and_params_are_literals() throws Exception {
        String dag = h.fixture(engine, "sensor_sql");
        long run = h.trigger(engine, dag, Map.of());
        assertThat(h.awaitRun(run, Duration.ofSeconds(30))).isEqualTo(RunState.FAILED);
        assertThat(h.taskStates(run))
                .containsEntry("truthy", TaskState.SUCCESS)
                .containsEntry("quoted", TaskState.SUCCESS)
                .containsEntry("never", TaskState.FAILED)
                .containsEntry("writes", TaskState.FAILED);
        assertThat(output(run, "truthy", "poked")).isEqualTo("1");
        assertThat(output(run, "truthy", "value")).isEqualTo("1");
        assertThat(h.error(run, "never")).contains("sensor timed out").contains("first cell 0");
        // a sensor only looks: a query that writes fails at once rather than waiting out its timeout
        assertThat(h.error(run, "writes")).contains("query failed").contains("read-only");
    }

    @Test
    void an_http_sensor_waits_for_the_expected_status_and_body() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/ready", ex -> {
            boolean up = calls.incrementAndGet() > 2;
            byte[] body = (up ? "ready" : "starting").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(up ? 200 : 503, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        try {
            String dag = h.fixture(engine, "sensor_http");
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            long run = h.trigger(engine, dag, Map.of("base", base));
            assertThat(h.awaitRun(run, Duration.ofSeconds(30))).isEqualTo(RunState.FAILED);
            assertThat(h.taskStates(run))
                    .containsEntry("ready", TaskState.SUCCESS)
                    .containsEntry("wrong_body", TaskState.FAILED);
            assertThat(output(run, "ready", "status")).isEqualTo("200");
            assertThat(h.log(run, "ready")).contains("status 503 -> not yet");
            assertThat(h.error(run, "wrong_body")).contains("body without \"nope\"");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void an_external_task_sensor_waits_for_another_dags_run_at_the_same_logical_date() throws Exception {
        String target = h.fixture(engine, "trigger_dag_target");
        String dag = h.fixture(engine, "sensor_external_task");
        Instant date = Instant.parse("2027-03-01T00:00:00Z");
        // a run of the target at another date does not count
        long other = engine.runs().createRun(target, "manual", date.minusSeconds(86_400), null, null, Map.of(), "test");
        assertThat(h.awaitRun(other, Duration.ofSeconds(20))).isEqualTo(RunState.SUCCESS);

        long run = engine.runs().createRun(dag, "manual", date, null, null, Map.of(), "test");
        awaitWaiting(run, "task_done");
        assertThat(h.log(run, "task_done")).contains("trigger_dag_target.work at 2027-03-01T00:00:00Z: no run");

        long upstream = engine.runs().createRun(target, "manual", date, null, null, Map.of(), "test");
        assertThat(h.awaitRun(upstream, Duration.ofSeconds(20))).isEqualTo(RunState.SUCCESS);
        assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.SUCCESS);
        assertThat(output(run, "task_done", "task_id")).isEqualTo("work");
        assertThat(output(run, "run_done", "logical_date")).isEqualTo("2027-03-01T00:00:00Z");
    }

    @Test
    void the_tasks_timeout_and_a_cancel_stop_the_wait_between_pokes() throws Exception {
        String dag = h.fixture(engine, "sensor_interrupted");
        long run = h.trigger(engine, dag, Map.of());
        awaitWaiting(run, "task_timeout");
        // the task's timeout ends it within about a second, long before its second poke (30 s)
        await().atMost(Duration.ofSeconds(8)).until(() -> h.taskStates(run).get("task_timeout") == TaskState.FAILED);
        assertThat(h.error(run, "task_timeout")).contains("timed out after 1s");
        assertThat(h.log(run, "task_timeout")).doesNotContain("poke 2:");

        awaitWaiting(run, "cancelled");
        engine.control().cancel(run);
        assertThat(h.awaitRun(run, Duration.ofSeconds(8))).isIn(RunState.FAILED, RunState.CANCELLED);
        // the attempt ends when its sleep is interrupted, not at the next poke 30 s later
        await().atMost(Duration.ofSeconds(4))
                .until(() -> h.attemptStates(run, "cancelled").equals(java.util.List.of("cancelled")));
        assertThat(h.log(run, "cancelled")).doesNotContain("poke 2:");
    }
}
