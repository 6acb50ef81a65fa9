package dev.sluice.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.server.auth.Role;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Trigger, watch, read, and change runs through the API with the engine running. */
class RunLifecycleTest {
    static ApiServer server;

    @BeforeAll
    static void start() throws Exception {
        server = ApiServer.shared();
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Test
    void triggered_run_succeeds_and_shows_in_list_grid_detail_and_logs() throws Exception {
        var created = server.post("/dags/ok_dag/runs", Role.OPERATOR, "{\"params\": {\"n\": 7}}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String runId = created.json().path("run_id").asText();
        assertThat(created.json().path("params").path("n").asInt()).isEqualTo(7);
        assertThat(created.json().path("triggered_by").asText()).isEqualTo("token:operator");
        assertThat(server.awaitRun("ok_dag", enc(runId))).isEqualTo("success");

        var list = server.get("/runs?dag_id=ok_dag", Role.VIEWER).json();
        assertThat(list.path("items").findValuesAsText("run_id")).contains(runId);
        var grid = server.get("/dags/ok_dag/grid", Role.VIEWER).json();
        assertThat(grid.path("tasks").toString()).isEqualTo("[\"first\",\"second\"]");
        var row = grid.path("runs").get(0);
        assertThat(row.path("run_id").asText()).isEqualTo(runId);
        assertThat(row.path("tasks").path("second").path("state").asText()).isEqualTo("success");

        var detail = server.get("/dags/ok_dag/runs/" + enc(runId), Role.VIEWER).json();
        assertThat(detail.path("tasks")).hasSize(2);
        assertThat(detail.path("tasks").get(1).path("type").asText()).isEqualTo("shell");
        var task = server.get("/dags/ok_dag/runs/" + enc(runId) + "/tasks/second", Role.VIEWER)
                .json();
        assertThat(task.path("attempts")).hasSize(1);
        assertThat(task.path("rendered_config").path("command").asText())
                .isEqualTo("echo hello '7'"); // values are shell-quoted
        var log = server.get("/dags/ok_dag/runs/" + enc(runId) + "/tasks/second/logs?try=1&offset=0", Role.VIEWER)
                .json();
        assertThat(log.path("text").asText()).contains("hello 7");
        assertThat(log.path("complete").asBoolean()).isTrue();
        var rest = server.get(
                        "/dags/ok_dag/runs/" + enc(runId) + "/tasks/second/logs?try=1&offset="
                                + log.path("next_offset").asLong(),
                        Role.VIEWER)
                .json();
        assertThat(rest.path("text").asText()).isEmpty();
        var download = server.get("/dags/ok_dag/runs/" + enc(runId) + "/tasks/second/logs?download=true", Role.VIEWER);
        assertThat(download.headers().firstValue("Content-Disposition").orElse(""))
                .contains("attachment");
        assertThat(download.body()).contains("hello 7");
        assertThat(log.path("removed_at").isNull()).isTrue();
        // This node's worker wrote that log: its bytes are counted; nothing was cut.
        String metrics = server.get("/metrics", null).body();
        assertThat(metrics)
                .containsPattern("sluice_log_written_bytes_total [1-9]")
                .contains("sluice_log_cut_bytes_total");

        var dags = server.get("/dags", Role.VIEWER).json();
        var ok = findDag(dags, "ok_dag");
        assertThat(ok.path("recent_runs").findValuesAsText("run_id")).contains(runId);
        assertThat(ok.path("schedule_description").asText()).isNotBlank();
        assertThat(ok.path("next_run_at").isNull()).isFalse();
        assertThat(server.get("/import-errors", Role.VIEWER)
                        .json()
                        .path("items")
                        .toString())
                .contains("broken.yaml");
    }

    private static com.fasterxml.jackson.databind.JsonNode findDag(
            com.fasterxml.jackson.databind.JsonNode page, String id) {
        for (var d : page.path("items")) if (d.path("dag_id").asText().equals(id)) return d;
        throw new AssertionError("no " + id + " in " + page);
    }

    @Test
    void failed_run_appears_in_failures_and_clear_failed_reruns_it() throws Exception {
        String runId = server.post("/dags/fail_dag/runs", Role.OPERATOR, "{}")
                .json()
                .path("run_id")
                .asText();
        assertThat(server.awaitRun("fail_dag", enc(runId))).isEqualTo("failed");
        var failures =
                server.get("/failures?dag_id=fail_dag", Role.VIEWER).json().path("items");
        assertThat(failures.findValuesAsText("run_id")).contains(runId);
        String logUrl = failures.get(0).path("log_url").asText();
        assertThat(server.get(logUrl.substring("/api/v1".length()), Role.VIEWER)
                        .json()
                        .path("text")
                        .asText())
                .contains("going down");

        var cleared = server.post("/dags/fail_dag/runs/" + enc(runId) + "/clear-failed", Role.OPERATOR, null);
        assertThat(cleared.status()).as(cleared.body()).isEqualTo(200);
        assertThat(server.awaitRun("fail_dag", enc(runId))).isEqualTo("failed");
        var boom = server.get("/dags/fail_dag/runs/" + enc(runId) + "/tasks/boom", Role.VIEWER)
                .json();
        assertThat(boom.path("attempts")).hasSize(2);

        var marked = server.post(
                "/dags/fail_dag/runs/" + enc(runId) + "/tasks/boom/mark", Role.OPERATOR, "{\"state\":\"success\"}");
        assertThat(marked.status()).as(marked.body()).isEqualTo(200);
        assertThat(marked.json().path("state").asText()).isEqualTo("success");
        // "after" stays upstream_failed (marking does not re-evaluate finished tasks), so the run stays failed...
        assertThat(server.awaitRun("fail_dag", enc(runId))).isEqualTo("failed");
        // ...until it is cleared, and then it runs and the run succeeds.
        var clearTask = server.post(
                "/dags/fail_dag/runs/" + enc(runId) + "/tasks/after/clear", Role.OPERATOR, "{\"upstream\": false}");
        assertThat(clearTask.status()).as(clearTask.body()).isEqualTo(200);
        assertThat(server.awaitRun("fail_dag", enc(runId))).isEqualTo("success");
        var markRun =
                server.post("/dags/fail_dag/runs/" + enc(runId) + "/mark", Role.OPERATOR, "{\"state\":\"failed\"}");
        assertThat(markRun.json().path("state").asText()).isEqualTo("failed");

        var audit = server.get("/audit?limit=500", Role.ADMIN).json().path("items");
        assertThat(audit.findValuesAsText("action"))
                .contains("run.trigger", "run.clear_failed", "task.mark", "run.mark", "task.clear");
    }

    @Test
    void cancel_stops_a_running_run_and_a_second_cancel_conflicts() throws Exception {
        String runId = server.post("/dags/slow_dag/runs", Role.OPERATOR, "{}")
                .json()
                .path("run_id")
                .asText();
        Awaitility.await()
                .atMost(10, TimeUnit.SECONDS)
                .until(() -> server.get("/dags/slow_dag/runs/" + enc(runId) + "/tasks/wait", Role.VIEWER)
                        .json()
                        .path("state")
                        .asText()
                        .equals("running"));
        var cancelled = server.post("/dags/slow_dag/runs/" + enc(runId) + "/cancel", Role.OPERATOR, null);
        assertThat(cancelled.json().path("state").asText()).isEqualTo("cancelled");
        assertThat(server.get("/dags/slow_dag/runs/" + enc(runId) + "/tasks/wait", Role.VIEWER)
                        .json()
                        .path("state")
                        .asText())
                .isEqualTo("cancelled");
        var again = server.post("/dags/slow_dag/runs/" + enc(runId) + "/cancel", Role.OPERATOR, null);
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.json().path("error").asText()).contains("illegal transition");
    }

    @Test
    void pause_changes_the_flag_and_is_audited() {
        var paused = server.send("PATCH", "/dags/ok_dag", Role.OPERATOR, "{\"is_paused\": true}");
        assertThat(paused.status()).as(paused.body()).isEqualTo(200);
        assertThat(paused.json().path("is_paused").asBoolean()).isTrue();
        assertThat(paused.json().path("next_run_at").isNull()).isTrue();
        var unpaused = server.send("PATCH", "/dags/ok_dag", Role.OPERATOR, "{\"is_paused\": false}");
        assertThat(unpaused.json().path("is_paused").asBoolean()).isFalse();
        var detail = server.get("/dags/ok_dag", Role.VIEWER).json();
        assertThat(detail.path("params").path("n").path("default").asInt()).isEqualTo(1);
        assertThat(detail.path("tasks").get(1).path("depends_on").toString()).isEqualTo("[\"first\"]");
        assertThat(server.get("/dags/ok_dag/source", Role.VIEWER)
                        .json()
                        .path("source")
                        .asText())
                .contains("id: ok_dag");
        assertThat(server.get("/dags/ok_dag/versions", Role.VIEWER).json().path("items"))
                .hasSize(1);
    }

    @Test
    void events_stream_delivers_task_events_and_replays_after_last_event_id() throws Exception {
        Awaitility.await()
                .atMost(5, TimeUnit.SECONDS)
                .until(() -> server.app.http().events().listening());
        List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
        var req = HttpRequest.newBuilder(URI.create(server.base + "/events"))
                .header("Accept", "text/event-stream")
                .header("Authorization", "Bearer " + server.tokens.get(Role.VIEWER))
                .build();
        var stream = server.http.sendAsync(req, HttpResponse.BodyHandlers.ofLines());
        stream.thenAcceptAsync(r -> r.body().forEach(lines::add));
        Awaitility.await()
                .atMost(5, TimeUnit.SECONDS)
                .until(() -> server.app.http().events().clientCount() > 0);
        String runId = server.post("/dags/ok_dag/runs", Role.OPERATOR, "{}")
                .json()
                .path("run_id")
                .asText();
        Awaitility.await().atMost(15, TimeUnit.SECONDS).until(() -> {
            synchronized (lines) {
                return lines.stream()
                        .anyMatch(l -> l.startsWith("data:")
                                && l.contains(runId)
                                && l.contains("\"task_id\":\"second\"")
                                && l.contains("\"state\":\"success\""));
            }
        });
        String firstId;
        synchronized (lines) {
            assertThat(lines).contains("event: task");
            firstId = lines.stream()
                    .filter(l -> l.startsWith("id:"))
                    .findFirst()
                    .orElseThrow()
                    .substring(3)
                    .trim();
        }
        stream.cancel(true);

        // Reconnect with the first id: everything after it comes again.
        var replay = HttpRequest.newBuilder(URI.create(server.base + "/events"))
                .header("Accept", "text/event-stream")
                .header("Authorization", "Bearer " + server.tokens.get(Role.VIEWER))
                .header("Last-Event-ID", firstId)
                .build();
        List<String> replayed = java.util.Collections.synchronizedList(new ArrayList<>());
        var second = server.http.sendAsync(replay, HttpResponse.BodyHandlers.ofLines());
        second.thenAcceptAsync(r -> r.body().forEach(replayed::add));
        Awaitility.await().atMost(5, TimeUnit.SECONDS).until(() -> {
            synchronized (replayed) {
                return replayed.stream().anyMatch(l -> l.contains(runId) && l.contains("\"task_id\":\"second\""));
            }
        });
        second.cancel(true);
    }

    @Test
    void backfill_creates_one_run_per_day_and_reports_its_state() throws Exception {
        var created = server.post(
                "/dags/ok_dag/backfills",
                Role.OPERATOR,
                "{\"from\":\"2025-03-01\",\"to\":\"2025-03-03\",\"max_active_runs\":2}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        // runs are created as earlier ones finish: never more than max_active_runs unfinished at once
        assertThat(created.json().path("runs_created").asInt()).isEqualTo(2);
        assertThat(created.json().path("max_active_runs").asInt()).isEqualTo(2);
        long id = created.json().path("backfill_id").asLong();
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
            for (var b :
                    server.get("/backfills?dag_id=ok_dag", Role.VIEWER).json().path("items")) {
                if (b.path("backfill_id").asLong() == id)
                    return b.path("state").asText().equals("success");
            }
            return false;
        });
        var runs = server.get("/runs?dag_id=ok_dag&from=2025-03-01&to=2025-03-03T23:59:59Z", Role.VIEWER)
                .json()
                .path("items");
        assertThat(runs.findValuesAsText("run_type")).containsOnly("backfill").hasSize(3);
        var again =
                server.post("/dags/ok_dag/backfills", Role.OPERATOR, "{\"from\":\"2025-03-01\",\"to\":\"2025-03-03\"}");
        assertThat(again.json().path("runs_created").asInt()).isZero();
    }

    @Test
    void metrics_are_prometheus_text_without_credentials() {
        var m = server.get("/metrics", null);
        assertThat(m.status()).isEqualTo(200);
        assertThat(m.body())
                .contains("sluice_task_queue_depth", "sluice_runs{state=\"running\"}", "sluice_task_handoff_lag");
    }

    @Test
    void metrics_show_depth_and_live_workers_per_queue_heartbeat_age_and_lost_attempts() {
        // A task on a queue no worker serves: the queue has depth and no worker, which is what an operator alerts on.
        var dsl = server.app.db.dsl();
        // a date no other test of the shared server uses (MalformedRequestTest triggers ok_dag at 2024-01-01)
        long run = server.app
                .engine
                .runs()
                .createRun(
                        "ok_dag",
                        "manual",
                        java.time.Instant.parse("2022-02-02T00:00:00Z"),
                        null,
                        null,
                        java.util.Map.of(),
                        "test",
                        "nobody-serves-this");
        Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .until(() -> dsl.fetchCount(
                                dev.sluice.db.jooq.Tables.TASK_INSTANCE,
                                dev.sluice.db.jooq.Tables.TASK_INSTANCE
                                        .RUN_ID
                                        .eq(run)
                                        .and(dev.sluice.db.jooq.Tables.TASK_INSTANCE.STATE.eq("queued")))
                        > 0);
        String body = server.get("/metrics", null).body();
        assertThat(body).containsPattern("sluice_queue_depth\\{queue=\"nobody-serves-this\"} [1-9]");
        assertThat(body).contains("sluice_queue_workers_alive{queue=\"nobody-serves-this\"} 0.0");
        assertThat(body).containsPattern("sluice_queue_workers_alive\\{queue=\"default\"} [1-9]");
        assertThat(body).contains("sluice_worker_heartbeat_age_seconds{node=\"" + server.app.engine.workerId() + "\"");
        assertThat(body).contains("sluice_attempts_lost_total");
        server.app.engine.control().cancel(run);
    }
}
