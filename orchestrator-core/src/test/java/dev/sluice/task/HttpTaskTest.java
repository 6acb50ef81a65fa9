package dev.sluice.task;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.sluice.engine.Engine;
import dev.sluice.run.RunState;
import dev.sluice.run.TaskState;
import dev.sluice.testing.EngineHarness;
import dev.sluice.testing.TestDags;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The built-in http task against a local server: status and body checks, JSON output, request body. */
class HttpTaskTest {

    @Test
    void checks_status_and_body_and_turns_a_json_answer_into_output() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/ok", ex -> {
            byte[] body = "{\"rows\": 12, \"status_text\": \"fresh\"}".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.createContext("/echo", ex -> {
            byte[] in = ex.getRequestBody().readAllBytes();
            boolean json = "application/json".equals(ex.getRequestHeaders().getFirst("Content-Type"));
            byte[] body = (ex.getRequestMethod() + " " + (json ? "json " : "") + new String(in, StandardCharsets.UTF_8))
                    .getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(201, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.createContext("/down", ex -> {
            byte[] body = "maintenance".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(503, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        try (EngineHarness h = new EngineHarness()) {
            Engine e = h.engine();
            h.save(
                    e,
                    TestDags.dag(
                            "http_checks",
                            1,
                            List.of(
                                    TestDags.task(
                                            "json",
                                            "http",
                                            List.of(),
                                            Map.of("url", base + "/ok", "output_json", true)),
                                    TestDags.task(
                                            "post",
                                            "http",
                                            List.of(),
                                            Map.of(
                                                    "url",
                                                    base + "/echo",
                                                    "method",
                                                    "POST",
                                                    "body",
                                                    Map.of("ds", "{{ ds }}"),
                                                    "expect_status",
                                                    201,
                                                    "expect_body_contains",
                                                    "POST json")),
                                    TestDags.task(
                                            "wrong_body",
                                            "http",
                                            List.of(),
                                            Map.of("url", base + "/ok", "expect_body_contains", "stale")),
                                    TestDags.task("down", "http", List.of(), Map.of("url", base + "/down")))));
            long run = h.trigger(e, "http_checks", Map.of());
            assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.FAILED);
            assertThat(h.taskStates(run))
                    .containsEntry("json", TaskState.SUCCESS)
                    .containsEntry("post", TaskState.SUCCESS)
                    .containsEntry("wrong_body", TaskState.FAILED)
                    .containsEntry("down", TaskState.FAILED);
            var dsl = h.db.dsl();
            assertThat(dsl.fetchValue(
                            "select output->>'rows' from task_instance where run_id = ? and task_id = 'json'", run))
                    .isEqualTo("12");
            assertThat(dsl.fetchValue(
                            "select output->>'status' from task_instance where run_id = ? and task_id = 'post'", run))
                    .isEqualTo("201");
            assertThat(dsl.fetchValue("select error from task_instance where run_id = ? and task_id = 'down'", run)
                            .toString())
                    .contains("unexpected status 503")
                    .contains("maintenance");
            assertThat(dsl.fetchValue(
                                    "select error from task_instance where run_id = ? and task_id = 'wrong_body'", run)
                            .toString())
                    .contains("does not contain \"stale\"");
        } finally {
            server.stop(0);
        }
    }
}
