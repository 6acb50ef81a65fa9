package dev.sluice.server.api;

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
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A mapped task through the API: one aggregate entry in the run and the grid, its instances a page at a time with
 * their map_index, and each instance's own detail and log.
 */
class MappedTaskApiTest {
    static final String DAG = """
            id: mapped_api
            tasks:
              - id: each
                type: shell
                expand: { name: [alpha, beta, gamma, delta, epsilon] }
                config: { command: "echo hello {{ expand.name }} at {{ map_index }}; test {{ expand.name }} != delta" }
              # all_done: runs after the failed instance too, and as the only leaf it makes the run a success
              - { id: after, type: noop, depends_on: [each], trigger_rule: all_done }
            """;

    static SluiceApp app;
    static String base, token;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        Path home = Files.createTempDirectory("sluice-mapped-api");
        Path dags = Files.createDirectories(home.resolve("dags"));
        Files.writeString(dags.resolve("mapped_api.yaml"), DAG);
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

    static HttpResponse<String> send(String path) throws Exception {
        var req = HttpRequest.newBuilder(URI.create(base + path))
                .header("Authorization", "Bearer " + token)
                .GET()
                .build();
        return http.send(req, HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode get(String path) throws Exception {
        var r = send(path);
        assertThat(r.statusCode()).as(r.body()).isBetween(200, 299);
        return ApiJson.MAPPER.readTree(r.body());
    }

    @Test
    void a_mapped_task_is_one_entry_with_counts_and_each_instance_has_its_detail_and_log() throws Exception {
        var trigger = HttpRequest.newBuilder(URI.create(base + "/dags/mapped_api/runs"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build();
        String runId = ApiJson.MAPPER
                .readTree(
                        http.send(trigger, HttpResponse.BodyHandlers.ofString()).body())
                .path("run_id")
                .asText();
        String run = "/dags/mapped_api/runs/" + URLEncoder.encode(runId, StandardCharsets.UTF_8);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> get(run).path("state").asText().equals("success"));

        JsonNode each = null;
        int entries = 0;
        for (JsonNode t : get(run).path("tasks")) {
            if (t.path("task_id").asText().equals("each")) {
                each = t;
                entries++;
            }
        }
        assertThat(entries).as("one entry for the mapped task").isEqualTo(1);
        assertThat(each.path("state").asText()).isEqualTo("failed");
        assertThat(each.path("map_count").asInt()).isEqualTo(5);
        assertThat(each.path("instance_states").path("success").asInt()).isEqualTo(4);
        assertThat(each.path("instance_states").path("failed").asInt()).isEqualTo(1);

        JsonNode cell =
                get("/dags/mapped_api/grid").path("runs").get(0).path("tasks").path("each");
        assertThat(cell.path("state").asText()).isEqualTo("failed");
        assertThat(cell.path("map_count").asInt()).isEqualTo(5);
        assertThat(get("/dags/mapped_api/grid")
                        .path("runs")
                        .get(0)
                        .path("tasks")
                        .path("after")
                        .has("map_count"))
                .isFalse();

        JsonNode page = get(run + "/tasks/each/instances?offset=2&limit=2");
        assertThat(page.path("map_count").asInt()).isEqualTo(5);
        assertThat(page.path("instances")).hasSize(2);
        assertThat(page.path("instances").get(0).path("map_index").asInt()).isEqualTo(2);
        assertThat(page.path("instances").get(0).path("item").asText()).isEqualTo("gamma");
        assertThat(page.path("instances").get(1).path("state").asText()).isEqualTo("failed");

        JsonNode one = get(run + "/tasks/each?map_index=1");
        assertThat(one.path("map_index").asInt()).isEqualTo(1);
        assertThat(one.path("attempts")).hasSize(1);
        JsonNode agg = get(run + "/tasks/each");
        assertThat(agg.path("map_count").asInt()).isEqualTo(5);
        assertThat(agg.path("state").asText()).isEqualTo("failed");

        assertThat(get(run + "/tasks/each/logs?map_index=1").path("text").asText())
                .contains("hello beta at 1");
        assertThat(get(run + "/tasks/each/logs?map_index=4").path("text").asText())
                .contains("hello epsilon at 4");
        var noIndex = send(run + "/tasks/each/logs");
        assertThat(noIndex.statusCode()).isEqualTo(400);
        assertThat(noIndex.body()).contains("map_index");
        assertThat(send(run + "/tasks/each?map_index=9").statusCode()).isEqualTo(404);
        assertThat(send(run + "/tasks/each?map_index=-1").statusCode()).isEqualTo(400);
    }
}
