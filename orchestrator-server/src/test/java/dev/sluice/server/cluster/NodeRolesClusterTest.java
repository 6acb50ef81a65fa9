package dev.sluice.server.cluster;

import static dev.sluice.db.jooq.Tables.ATTEMPT;
import static dev.sluice.db.jooq.Tables.WORKER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.server.auth.Role;
import dev.sluice.server.auth.TokenStore;
import dev.sluice.server.cli.SluiceCli;
import dev.sluice.server.http.ApiJson;
import dev.sluice.store.Database;
import dev.sluice.testing.TestDatabase;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A cluster as users start it: one scheduler, one server and two workers, each a child JVM running the
 * {@code sluice} command, each with its own SLUICE_HOME, sharing nothing but one PostgreSQL. A run triggered through
 * the server's API runs every task on a worker of its queue; the scheduler and server run nothing; while nobody
 * serves queue gpu, the API says so.
 */
class NodeRolesClusterTest {
    static final String DAG = """
            id: split_queues
            tasks:
              - id: prepare
                type: shell
                config: { command: "echo preparing" }
              - id: train
                type: shell
                queue: gpu
                depends_on: [prepare]
                config: { command: "echo training" }
              - id: report
                type: shell
                depends_on: [train]
                config: { command: "echo reporting" }
            """;

    final List<Process> nodes = new ArrayList<>();
    final List<Path> logs = new ArrayList<>();
    final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    Database db;

    @AfterEach
    void stop() throws Exception {
        for (Process p : nodes) p.destroy(); // SIGTERM: each node drains and marks itself stopped
        for (Process p : nodes) {
            if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS))
                p.destroyForcibly().waitFor();
        }
        // What each node said, in the test's report: the first place to look when this test fails.
        for (Path log : logs) System.out.println("==== " + log.getFileName() + "\n" + Files.readString(log));
        if (db != null) db.close();
    }

    @Test
    void every_task_runs_on_a_worker_of_its_queue_and_the_scheduler_and_server_run_none() throws Exception {
        db = TestDatabase.fresh(4);
        Path root = Files.createTempDirectory("sluice-cluster");
        Path dags = Files.createDirectories(root.resolve("dags"));
        Files.writeString(dags.resolve("split_queues.yaml"), DAG);
        int port = freePort();

        start(root, "scheduler", "scheduler", "--dags", dags.toString());
        start(root, "server", "server", "--port", String.valueOf(port));
        start(root, "worker-cpu", "worker", "--queues", "default", "--slots", "2");
        String base = "http://127.0.0.1:" + port + "/api/v1";

        await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(250))
                .ignoreExceptions()
                .until(() -> send("GET", base + "/health", null, null).statusCode() == 200);
        String token = new TokenStore(db.dsl())
                .create("cluster-test", Role.OPERATOR, "admin")
                .token();
        // The DAG reaches the server through the database, once the scheduler has synced its folder.
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(250))
                .until(() ->
                        send("GET", base + "/dags/split_queues", token, null).statusCode() == 200);

        var created = send("POST", base + "/dags/split_queues/runs", token, "{}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String runId = json(created.body()).path("run_id").asText();
        String train = base + "/dags/split_queues/runs/" + runId + "/tasks/train";

        // Nobody serves gpu yet: the task waits, and its answer says why.
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> json(send("GET", train, token, null).body())
                        .path("state")
                        .asText()
                        .equals("queued"));
        JsonNode waiting = json(send("GET", train, token, null).body());
        assertThat(waiting.path("queue").asText()).isEqualTo("gpu");
        assertThat(waiting.path("waiting_for").asText()).isEqualTo("no live worker serves queue gpu");
        JsonNode grid =
                json(send("GET", base + "/dags/split_queues/grid", token, null).body());
        assertThat(grid.path("runs")
                        .path(0)
                        .path("tasks")
                        .path("train")
                        .path("waiting_for")
                        .asText())
                .isEqualTo("no live worker serves queue gpu");
        assertThat(grid.path("runs").path(0).path("tasks").path("prepare").has("waiting_for"))
                .isFalse();

        int probePort = freePort();
        start(root, "worker-gpu", "worker", "--queues", "gpu", "--slots", "1", "--port", String.valueOf(probePort));
        await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(250))
                .until(
                        () -> json(send("GET", base + "/dags/split_queues/runs/" + runId, token, null)
                                        .body())
                                .path("state")
                                .asText(),
                        s -> s.equals("success") || s.equals("failed"));
        JsonNode run = json(send("GET", base + "/dags/split_queues/runs/" + runId, token, null)
                .body());
        assertThat(run.path("state").asText()).as(run.toString()).isEqualTo("success");

        // A worker's port answers probes and scrapes, and nothing of the API.
        String probes = "http://127.0.0.1:" + probePort + "/api/v1";
        await().atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .until(() -> send("GET", probes + "/health", null, null).statusCode() == 200);
        assertThat(send("GET", probes + "/health/ready", null, null).body()).contains("\"ready\"");
        assertThat(send("GET", probes + "/metrics", null, null).body()).contains("sluice_");
        assertThat(send("GET", probes + "/dags/split_queues", token, null).statusCode())
                .isEqualTo(404);

        Map<String, String> roleOf = new HashMap<>();
        Map<String, List<String>> queuesOf = new HashMap<>();
        for (var w : db.dsl().selectFrom(WORKER).fetch()) {
            roleOf.put(w.getWorkerId(), w.getRole());
            queuesOf.put(w.getWorkerId(), List.of(w.getQueues()));
        }
        assertThat(roleOf.values()).containsExactlyInAnyOrder("scheduler", "server", "worker", "worker");
        Map<String, String> queueOf = Map.of("prepare", "default", "train", "gpu", "report", "default");
        for (JsonNode t : run.path("tasks")) {
            String worker = t.path("worker_id").asText();
            String task = t.path("task_id").asText();
            assertThat(roleOf.get(worker)).as(task + " ran on " + worker).isEqualTo("worker");
            assertThat(queuesOf.get(worker)).as(task + " ran on " + worker).containsExactly(queueOf.get(task));
            assertThat(t.path("queue").asText()).isEqualTo(queueOf.get(task));
            assertThat(t.has("waiting_for") && !t.get("waiting_for").isNull())
                    .as(task)
                    .isFalse();
        }
        // Every attempt, not only the last per task: nothing ever ran on the scheduler or the server.
        var ranOn = db.dsl()
                .selectDistinct(WORKER.ROLE)
                .from(ATTEMPT)
                .join(WORKER)
                .on(WORKER.WORKER_ID.eq(ATTEMPT.WORKER_ID))
                .fetch(WORKER.ROLE);
        assertThat(ranOn).containsExactly("worker");
        // The nodes that run no task registered no slots and no queues.
        for (var w : db.dsl()
                .selectFrom(WORKER)
                .where(WORKER.ROLE.in("scheduler", "server"))
                .fetch()) {
            assertThat(w.getSlots()).as(w.getRole()).isZero();
            assertThat(w.getQueues()).as(w.getRole()).isEmpty();
        }
    }

    /** Starts {@code sluice args...} as node {@code name}, with a home of its own and its output in name.log. */
    private void start(Path root, String name, String... args) throws IOException {
        Path home = Files.createDirectories(root.resolve(name));
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                SluiceCli.class.getName()));
        cmd.addAll(List.of(args));
        Path log = root.resolve(name + ".log");
        logs.add(log);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment()
                .putAll(Map.of(
                        "SLUICE_HOME",
                        home.toString(),
                        "SLUICE_DB_URL",
                        db.url(),
                        "SLUICE_DB_USER",
                        "postgres",
                        "SLUICE_DB_PASSWORD",
                        "",
                        "SLUICE_ADMIN_PASSWORD",
                        "cluster-admin-pw"));
        nodes.add(pb.start());
    }

    private HttpResponse<String> send(String method, String url, String token, String body) throws Exception {
        var b = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(20))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("Content-Type", "application/json");
        if (token != null) b.header("Authorization", "Bearer " + token);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(String body) throws IOException {
        return ApiJson.MAPPER.readTree(body);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
