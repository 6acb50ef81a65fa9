package dev.sluice.server.deadline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.config.SluiceConfig;
import dev.sluice.engine.EngineConfig;
import dev.sluice.server.SluiceApp;
import dev.sluice.server.auth.Role;
import dev.sluice.server.auth.TokenStore;
import dev.sluice.server.http.ApiJson;
import dev.sluice.testing.TestDatabase;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A standalone node (its scheduler judges deadlines) with the API: a missed deadline shows in the run and task
 * answers and on the live-event stream, while the run goes on to succeed.
 */
class DeadlineApiTest {
    static final String LATE_DAG = """
            id: late_dag
            deadline: {within: 300ms, from: queued}
            tasks:
              - id: slow
                type: noop
                deadline: {within: 300ms, from: queued}
                config: { duration: 2s }
              - id: fine
                type: noop
                deadline: {within: 1h, from: queued}
            """;

    static SluiceApp app;
    static String base, token;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        Path home = Files.createTempDirectory("sluice-deadline-api");
        Path dags = Files.createDirectories(home.resolve("dags"));
        Files.writeString(dags.resolve("late_dag.yaml"), LATE_DAG);
        var engine = EngineConfig.defaults(home)
                .withHeartbeat(Duration.ofMillis(200))
                .withPollInterval(Duration.ofMillis(200));
        app = new SluiceApp(
                        SluiceConfig.from(Map.of("SLUICE_HOME", home.toString())),
                        TestDatabase.fresh(16),
                        dags,
                        engine,
                        Clock.systemUTC())
                .start()
                .startHttp(0);
        base = "http://localhost:" + app.httpPort() + "/api/v1";
        token = new TokenStore(app.db.dsl())
                .create("operator", Role.OPERATOR, "admin")
                .token();
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    static JsonNode call(String method, String path, String body) throws Exception {
        var b = HttpRequest.newBuilder(URI.create(base + path))
                .header("Authorization", "Bearer " + token)
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("Content-Type", "application/json");
        var r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isBetween(200, 299);
        return ApiJson.MAPPER.readTree(r.body());
    }

    @Test
    void a_missed_deadline_shows_in_run_and_task_answers_and_live_events_while_the_run_goes_on() throws Exception {
        List<String> live = new CopyOnWriteArrayList<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                var req = HttpRequest.newBuilder(URI.create(base + "/events"))
                        .header("Authorization", "Bearer " + token)
                        .header("Accept", "text/event-stream")
                        .build();
                var resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
                try (var in = new BufferedReader(new InputStreamReader(resp.body(), StandardCharsets.UTF_8))) {
                    for (String line; (line = in.readLine()) != null; ) live.add(line);
                }
            } catch (Exception e) {
                // the stream ends with the test
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> live.stream().anyMatch(l -> l.contains("connected")));

        String runId = call("POST", "/dags/late_dag/runs", "{}").path("run_id").asText();
        String run = "/dags/late_dag/runs/" + URLEncoder.encode(runId, StandardCharsets.UTF_8);

        await().atMost(Duration.ofSeconds(10))
                .until(() -> call("GET", run, null)
                        .path("deadline")
                        .path("state")
                        .asText()
                        .equals("missed"));
        JsonNode detail = call("GET", run, null);
        assertThat(detail.path("state").asText()).isEqualTo("running");
        assertThat(detail.path("deadline").path("due_at").asText()).isNotEmpty();
        assertThat(detail.path("deadline").path("checked_at").asText()).isNotEmpty();
        JsonNode slow = null, fine = null;
        for (JsonNode t : detail.path("tasks")) {
            if (t.path("task_id").asText().equals("slow")) slow = t;
            if (t.path("task_id").asText().equals("fine")) fine = t;
        }
        assertThat(slow.path("deadline").path("state").asText()).isEqualTo("missed");
        assertThat(fine.path("deadline").path("state").asText()).isEqualTo("pending");

        JsonNode task = call("GET", run + "/tasks/slow", null);
        assertThat(task.path("deadline").path("state").asText()).isEqualTo("missed");
        assertThat(task.has("attempts")).isTrue();

        await().atMost(Duration.ofSeconds(10))
                .until(() -> live.stream()
                        .anyMatch(l ->
                                l.startsWith("data:") && l.contains("\"task_id\":\"slow\"") && l.contains("due_at")));
        assertThat(live).contains("event: deadline");

        await().atMost(Duration.ofSeconds(20))
                .until(() -> call("GET", run, null).path("state").asText().equals("success"));
        reader.interrupt();
    }
}
