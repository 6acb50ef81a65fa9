package dev.sluice.server.bench;

import dev.sluice.config.SluiceConfig;
import dev.sluice.engine.EngineConfig;
import dev.sluice.server.SluiceApp;
import dev.sluice.server.auth.Role;
import dev.sluice.server.auth.TokenStore;
import dev.sluice.server.http.ApiJson;
import dev.sluice.testing.TestDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Latency of the list and detail endpoints over 1,000,000 task instances (10 DAGs × 10,000 runs × 10 tasks), on
 * the embedded PostgreSQL, through real HTTP. Not a unit test: run it with scripts/bench-api.sh and copy the
 * table into BENCHMARKS.md (section 2).
 */
public final class ApiListBenchmark {
    static final int DAGS = 10, RUNS_PER_DAG = 10_000, TASKS = 10, WARMUP = 300, SAMPLES = 500;

    public static void main(String[] args) throws Exception {
        Path home = Files.createTempDirectory("sluice-bench");
        Path dags = Files.createDirectories(home.resolve("dags"));
        for (int d = 0; d < DAGS; d++) {
            StringBuilder yaml = new StringBuilder("id: bench_" + d + "\nschedule: \"@hourly\"\ntasks:\n");
            for (int t = 0; t < TASKS; t++) {
                yaml.append("  - id: t").append(t).append("\n    type: noop\n");
                if (t > 0) yaml.append("    depends_on: [t").append(t - 1).append("]\n");
            }
            Files.writeString(dags.resolve("bench_" + d + ".yaml"), yaml.toString());
        }
        try (SluiceApp app = new SluiceApp(
                SluiceConfig.from(Map.of("SLUICE_HOME", home.toString())),
                TestDatabase.fresh(24),
                dags,
                EngineConfig.defaults(home),
                Clock.systemUTC())) {
            app.dagSync.sync(); // the engine is not started: the history below is finished, there is nothing to run
            long t0 = System.nanoTime();
            load(app);
            System.out.printf(
                    "loaded %,d runs and %,d task instances in %.1f s%n",
                    DAGS * RUNS_PER_DAG, DAGS * RUNS_PER_DAG * TASKS, (System.nanoTime() - t0) / 1e9);
            app.startHttp(0);
            String token = new TokenStore(app.db.dsl())
                    .create("bench", Role.VIEWER, "admin")
                    .token();
            String base = "http://localhost:" + app.httpPort() + "/api/v1";
            HttpClient http = HttpClient.newHttpClient();
            String runId = "scheduled__5000";
            String deepCursor = ApiJson.MAPPER
                    .readTree(fetch(http, base + "/runs?dag_id=bench_3&limit=500", token))
                    .path("next_cursor")
                    .asText();
            for (int i = 0; i < 10; i++) {
                deepCursor = ApiJson.MAPPER
                        .readTree(fetch(http, base + "/runs?dag_id=bench_3&limit=500&cursor=" + deepCursor, token))
                        .path("next_cursor")
                        .asText();
            }
            Map<String, String> endpoints = new LinkedHashMap<>();
            endpoints.put("GET /dags (10 DAGs + 10-run strips)", "/dags");
            endpoints.put("GET /dags/{id}", "/dags/bench_3");
            endpoints.put("GET /runs?limit=50 (all DAGs)", "/runs?limit=50");
            endpoints.put("GET /runs?dag_id&limit=50", "/runs?dag_id=bench_3&limit=50");
            endpoints.put("GET /runs?dag_id&state=failed", "/runs?dag_id=bench_3&state=failed&limit=50");
            endpoints.put(
                    "GET /runs?dag_id&cursor (page 5,501+)", "/runs?dag_id=bench_3&limit=50&cursor=" + deepCursor);
            endpoints.put("GET /dags/{id}/grid?limit=25", "/dags/bench_3/grid?limit=25");
            endpoints.put("GET /dags/{id}/runs/{run} (10 tasks)", "/dags/bench_3/runs/" + runId);
            endpoints.put("GET /dags/{id}/runs/{run}/tasks/{task}", "/dags/bench_3/runs/" + runId + "/tasks/t5");
            endpoints.put("GET /failures?limit=50", "/failures?limit=50");
            endpoints.put("GET /failures?dag_id&limit=50", "/failures?dag_id=bench_3&limit=50");
            System.out.printf("%nload average before: %s", Files.readString(Path.of("/proc/loadavg")));
            System.out.printf("%n| endpoint | p50 ms | p99 ms | max ms |%n|---|---:|---:|---:|%n");
            for (var e : endpoints.entrySet()) {
                for (int i = 0; i < WARMUP; i++) fetch(http, base + e.getValue(), token);
                double[] ms = new double[SAMPLES];
                for (int i = 0; i < SAMPLES; i++) {
                    long s = System.nanoTime();
                    fetch(http, base + e.getValue(), token);
                    ms[i] = (System.nanoTime() - s) / 1e6;
                }
                Arrays.sort(ms);
                System.out.printf(
                        "| %s | %.1f | %.1f | %.1f |%n",
                        e.getKey(), ms[SAMPLES / 2], ms[(int) (SAMPLES * 0.99) - 1], ms[SAMPLES - 1]);
            }
            System.out.printf("%nload average after: %s", Files.readString(Path.of("/proc/loadavg")));
        }
        System.exit(0);
    }

    /** Set-based inserts: the history is generated inside PostgreSQL, no rows cross the wire. */
    static void load(SluiceApp app) {
        var dsl = app.db.dsl();
        dsl.execute("""
                insert into dag_run (dag_id, run_id, dag_version_id, state, run_type, logical_date, data_interval_start,
                                     data_interval_end, queued_at, started_at, ended_at, params, triggered_by)
                select d.dag_id, 'scheduled__' || g, d.latest_version_id,
                       case when g %% 50 = 0 then 'failed' else 'success' end, 'scheduled',
                       timestamptz '2024-01-01 00:00:00+00' + g * interval '1 hour',
                       timestamptz '2024-01-01 00:00:00+00' + g * interval '1 hour',
                       timestamptz '2024-01-01 00:00:00+00' + (g + 1) * interval '1 hour',
                       timestamptz '2024-01-01 00:00:00+00' + (g + 1) * interval '1 hour',
                       timestamptz '2024-01-01 00:00:00+00' + (g + 1) * interval '1 hour' + interval '1 second',
                       timestamptz '2024-01-01 00:00:00+00' + (g + 1) * interval '1 hour' + interval '5 minutes',
                       '{}'::jsonb, 'scheduler'
                from dag d cross join generate_series(1, %d) g
                """.formatted(RUNS_PER_DAG));
        dsl.execute("""
                insert into task_instance (run_id, dag_id, task_id, state, try_number, max_tries, ready_at, worker_id,
                                           started_at, ended_at, error)
                select r.id, r.dag_id, 't' || t,
                       case when r.state = 'failed' and t = 9 then 'failed' else 'success' end, 1, 1,
                       r.started_at + t * interval '20 seconds', 'bench-worker',
                       r.started_at + t * interval '20 seconds' + interval '50 milliseconds',
                       r.started_at + (t + 1) * interval '20 seconds',
                       case when r.state = 'failed' and t = 9 then 'Traceback\n  line 1\n  line 2\n  line 3\n  line 4\n  line 5\nValueError: bad' end
                from dag_run r cross join generate_series(0, %d) t
                """.formatted(TASKS - 1));
        dsl.execute("analyze");
    }

    static String fetch(HttpClient http, String url, String token) throws Exception {
        var r = http.send(
                HttpRequest.newBuilder(URI.create(url))
                        .header("Authorization", "Bearer " + token)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) throw new IllegalStateException(url + " -> " + r.statusCode() + ": " + r.body());
        return r.body();
    }
}
