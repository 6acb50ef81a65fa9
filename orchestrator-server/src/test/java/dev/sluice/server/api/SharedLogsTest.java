package dev.sluice.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.config.SluiceConfig;
import dev.sluice.engine.EngineConfig;
import dev.sluice.engine.LogSettings;
import dev.sluice.server.SluiceApp;
import dev.sluice.server.auth.Role;
import dev.sluice.server.auth.TokenStore;
import dev.sluice.server.http.ApiJson;
import dev.sluice.storage.ObjectStore;
import dev.sluice.storage.ObjectStores;
import dev.sluice.storage.s3.MotoS3Server;
import dev.sluice.store.Database;
import dev.sluice.testing.TestDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Two nodes (each with a worker, its own SLUICE_HOME, one database) sharing logs through a real S3-compatible
 * store: the API of the node that did not run an attempt serves its log while it runs and after, and says so
 * once retention removed it.
 */
class SharedLogsTest {
    private static final String DAG = """
            id: shared_logs
            tasks:
              - id: talk
                type: shell
                config: { command: "for i in 1 2 3 4 5 6 7 8; do echo line $i; sleep 0.4; done" }
            """;
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void a_node_that_did_not_run_the_attempt_tails_its_log_from_the_store_and_serves_it_after() throws Exception {
        MotoS3Server moto = MotoS3Server.get();
        // Credentials through the SDK's standard chain (system properties here; environment variables in production).
        System.setProperty("aws.accessKeyId", MotoS3Server.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", MotoS3Server.SECRET_KEY);
        String url = "s3://" + moto.newBucket() + "/sluice";
        Database dbA = TestDatabase.fresh(12);
        Database dbB = Database.connect(
                dbA.url(),
                System.getenv().getOrDefault("SLUICE_TEST_DB_USER", "postgres"),
                System.getenv().getOrDefault("SLUICE_TEST_DB_PASSWORD", ""),
                12);
        ObjectStore storeA = ObjectStores.open(url, null, moto.settings());
        ObjectStore storeB = ObjectStores.open(url, null, moto.settings());
        // Node B serves another queue: the attempt runs on A, and B knows it only through the database and the store.
        try (SluiceApp a = node(dbA, storeA, List.of("default"), DAG);
                SluiceApp b = node(dbB, storeB, List.of("elsewhere"), null)) {
            String token = new TokenStore(a.db.dsl())
                    .create("viewer", Role.VIEWER, "admin")
                    .token();
            long run = a.engine
                    .runs()
                    .createRun(
                            "shared_logs",
                            "manual",
                            java.time.Instant.parse("2026-03-01T00:00:00Z"),
                            null,
                            null,
                            Map.of(),
                            "test");
            String runId = a.db.dsl()
                    .fetchValue("select run_id from dag_run where id = ?", run)
                    .toString();
            String logs = "/dags/shared_logs/runs/" + java.net.URLEncoder.encode(runId, "UTF-8") + "/tasks/talk/logs";

            // Tail from B while A runs the task: the text grows chunk by chunk, never complete before the end.
            StringBuilder seen = new StringBuilder();
            long[] offset = {0};
            boolean[] sawPartial = {false};
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        JsonNode r = json(b, token, logs + "?offset=" + offset[0]);
                        seen.append(r.path("text").asText());
                        offset[0] = r.path("next_offset").asLong();
                        if (!r.path("complete").asBoolean()
                                && seen.toString().contains("line 1")
                                && !seen.toString().contains("line 8")) {
                            sawPartial[0] = true;
                        }
                        return r.path("complete").asBoolean();
                    });
            assertThat(sawPartial[0]).as("B saw the log while it grew").isTrue();
            assertThat(seen.toString()).isEqualTo("line 1\nline 2\nline 3\nline 4\nline 5\nline 6\nline 7\nline 8\n");
            assertThat(Files.exists(b.config.home().resolve("logs")))
                    .as("B has no local copy")
                    .isFalse();

            // Afterwards: one object, no parts left; B serves it from the start and as a download.
            assertThat(storeA.list("logs/shared_logs/")).hasSize(1);
            assertThat(json(b, token, logs + "?offset=0").path("text").asText())
                    .startsWith("line 1\n")
                    .endsWith("line 8\n");
            assertThat(get(b, token, logs + "?download=true").body()).endsWith("line 8\n");

            // Retention on A removes it from the store; B's API says so instead of answering with an empty log.
            a.db.dsl().execute("update attempt set ended_at = now() - interval '60 days'");
            assertThat(a.engine.sweepLogs()).isEqualTo(1);
            assertThat(storeA.list("logs/")).isEmpty();
            JsonNode gone = json(b, token, logs + "?offset=0");
            assertThat(gone.path("removed_at").isNull()).isFalse();
            assertThat(gone.path("complete").asBoolean()).isTrue();
            assertThat(get(b, token, logs + "?download=true").statusCode()).isEqualTo(410);
        }
    }

    /** A node; {@code dag} is written to its DAG folder when given (a DAG id belongs to one folder). */
    private SluiceApp node(Database db, ObjectStore store, List<String> queues, String dag) throws Exception {
        Path home = Files.createTempDirectory("sluice-shared-logs");
        Path dags = Files.createDirectories(home.resolve("dags"));
        if (dag != null) Files.writeString(dags.resolve("shared_logs.yaml"), dag);
        var config = SluiceConfig.from(Map.of("SLUICE_HOME", home.toString()));
        var engine = EngineConfig.defaults(home)
                .withHeartbeat(Duration.ofMillis(200))
                .withPollInterval(Duration.ofMillis(200))
                .withQueues(queues)
                .withLogs(LogSettings.DEFAULTS.withStore(store).withUploadInterval(Duration.ofMillis(300)));
        return new SluiceApp(config, db, dags, engine, Clock.systemUTC())
                .start()
                .startHttp(0);
    }

    private HttpResponse<String> get(SluiceApp app, String token, String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + app.httpPort() + "/api/v1" + path))
                        .header("Authorization", "Bearer " + token)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode json(SluiceApp app, String token, String path) throws Exception {
        HttpResponse<String> r = get(app, token, path);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return ApiJson.MAPPER.readTree(r.body());
    }
}
