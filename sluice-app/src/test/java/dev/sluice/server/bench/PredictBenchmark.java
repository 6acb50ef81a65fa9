package dev.sluice.server.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.config.SluiceConfig;
import dev.sluice.engine.EngineConfig;
import dev.sluice.ml.artifact.LocalArtifactStore;
import dev.sluice.ml.data.DuckDb;
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
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Serving and batch scoring of registered models: the predict API's latency (p50/p99, 1 row and 100 rows, over
 * real HTTP against a running Sluice) and ml.predict's rows/s on 1,000,000 generated rows through the engine, at
 * several batch sizes. Not a unit test: run it with {@code scripts/bench-predict} and copy the tables into
 * BENCHMARKS.md (section 5).
 *
 * <p>The models are trained and registered by a DAG run on the same node, on 50,000 rows of the same generator
 * (customers: age, income with 2 % missing, region, premium flag; label left/stayed). Each entry of
 * {@link #MODELS} is a model to measure: its training tasks and registered name. Two are built-in bundles (XGBoost,
 * logistic regression, behind ml.preprocess); one is an ONNX model, a scikit-learn Pipeline that a {@code python}
 * task fits on the raw rows and saves with {@code sluice.save_model}, in the interpreter of the pinned test venv
 * ({@code SLUICE_TEST_VENV}, which scripts/bench-predict sets). All are measured in the same run, one after the
 * other, so their ratios hold on a busy machine even where the absolute figures move.
 */
public final class PredictBenchmark {
    static final int TRAIN_ROWS = 50_000;
    static final int WARMUP = 300;
    static final int SAMPLES = 1000;
    static final int[] BATCH_SIZES = {256, 1024, 4096, 16384};
    /** ml.predict's default batch_rows. */
    static final int DEFAULT_BATCH_ROWS = 1024;

    /** The python task's script (bench_onnx's trainYaml), a test resource copied beside the DAG file. */
    static final String ONNX_SCRIPT = "fit_bench_onnx.py";

    static final java.util.concurrent.atomic.AtomicLong RUNS = new java.util.concurrent.atomic.AtomicLong();

    /**
     * A model to measure: registered as {@code name} by {@code trainYaml} (tasks after split or preprocess);
     * {@code sweep}: ml.predict at every batch size of {@link #BATCH_SIZES}, else at the default (twice).
     */
    record ModelUnderTest(String name, String label, boolean sweep, String trainYaml) {}

    static final List<ModelUnderTest> MODELS = List.of(
            new ModelUnderTest("bench_xgboost", "XGBoost, 100 rounds, depth 6", true, """
                      - id: train_bench_xgboost
                        type: ml.train
                        depends_on: [preprocess]
                        config: {label: outcome, positive_class: left, rounds: 100, params: {max_depth: 6}, threads: 2,
                                 train: "{{ tasks.preprocess.output.train }}", transform: "{{ tasks.preprocess.output.transform }}"}
                      - id: deploy_bench_xgboost
                        type: ml.deploy
                        depends_on: [train_bench_xgboost]
                        config: {model_name: bench_xgboost, bundle: "{{ tasks.train_bench_xgboost.output.bundle }}"}
                    """),
            new ModelUnderTest("bench_logistic", "logistic regression", false, """
                      - id: train_bench_logistic
                        type: ml.train
                        depends_on: [preprocess]
                        config: {label: outcome, positive_class: left, algorithm: logistic_regression,
                                 train: "{{ tasks.preprocess.output.train }}", transform: "{{ tasks.preprocess.output.transform }}"}
                      - id: deploy_bench_logistic
                        type: ml.deploy
                        depends_on: [train_bench_logistic]
                        config: {model_name: bench_logistic, bundle: "{{ tasks.train_bench_logistic.output.bundle }}"}
                    """),
            // The graph holds its own preprocessing, so the python task fits on the raw split (see the script).
            new ModelUnderTest("bench_onnx", "ONNX: sklearn HistGradientBoosting, 100 iter., depth 6", true, """
                      - id: train_bench_onnx
                        type: python
                        depends_on: [split]
                        config: {script: fit_bench_onnx.py, python: "@PYTHON@"}
                      - id: deploy_bench_onnx
                        type: ml.deploy
                        depends_on: [train_bench_onnx]
                        config: {model_name: bench_onnx, bundle: "{{ tasks.train_bench_onnx.output.bundle }}"}
                    """));

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        Path home = Files.createTempDirectory("sluice-bench-predict");
        Path dags = Files.createDirectories(home.resolve("dags"));
        Path data = Files.createDirectories(home.resolve("data"));
        System.out.printf(
                "date %s, nproc %d, JVM max heap %d MB, load average before: %s",
                Instant.now(),
                Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20,
                loadAverage());
        long t0 = System.nanoTime();
        Path train = data.resolve("train.parquet");
        Path score = data.resolve("score.parquet");
        generate(home, train, 0, TRAIN_ROWS, true);
        generate(home, score, 10_000_000, rows, false);
        System.out.printf(
                "generated %,d training and %,d scoring rows in %.1f s%n",
                TRAIN_ROWS, rows, (System.nanoTime() - t0) / 1e9);

        try (var script = PredictBenchmark.class.getResourceAsStream("/bench/" + ONNX_SCRIPT)) {
            Files.copy(script, dags.resolve(ONNX_SCRIPT));
        }
        Files.writeString(dags.resolve("bench_predict_train.yaml"), trainDag(train, venvPython()));
        Files.writeString(dags.resolve("bench_predict_score.yaml"), scoreDag(score));
        var config = SluiceConfig.from(Map.of("SLUICE_HOME", home.toString()));
        var engine = EngineConfig.defaults(home)
                .withHeartbeat(Duration.ofMillis(200))
                .withPollInterval(Duration.ofMillis(200));
        try (SluiceApp app = new SluiceApp(config, TestDatabase.fresh(24), dags, engine, Clock.systemUTC())
                .start()
                .startHttp(0)) {
            app.dagSync.sync();
            t0 = System.nanoTime();
            runAndWait(app, "bench_predict_train");
            System.out.printf("trained and registered the models in %.1f s%n", (System.nanoTime() - t0) / 1e9);

            String token = new TokenStore(app.db.dsl())
                    .create("bench", Role.VIEWER, "admin")
                    .token();
            String base = "http://localhost:" + app.httpPort() + "/api/v1";
            HttpClient http = HttpClient.newHttpClient();
            List<Map<String, Object>> sample =
                    read(home, "SELECT age, income, region, premium FROM " + DuckDb.parquet(score) + " LIMIT 100");
            String one = ApiJson.MAPPER.writeValueAsString(Map.of("rows", sample.subList(0, 1)));
            String hundred = ApiJson.MAPPER.writeValueAsString(Map.of("rows", sample));

            System.out.printf(
                    "%n### Predict API latency (one request at a time, %d warm-up + %d measured)%n", WARMUP, SAMPLES);
            System.out.printf("%n| model | rows per request | p50 ms | p99 ms | max ms |%n|---|---:|---:|---:|---:|%n");
            for (ModelUnderTest m : MODELS) {
                String url = base + "/models/" + m.name() + "/predict";
                for (String body : List.of(one, hundred)) {
                    for (int i = 0; i < WARMUP; i++) post(http, url, token, body);
                    double[] ms = new double[SAMPLES];
                    for (int i = 0; i < SAMPLES; i++) {
                        long s = System.nanoTime();
                        post(http, url, token, body);
                        ms[i] = (System.nanoTime() - s) / 1e6;
                    }
                    Arrays.sort(ms);
                    System.out.printf(
                            "| %s | %d | %.2f | %.2f | %.2f |%n",
                            m.label(),
                            body == one ? 1 : sample.size(),
                            ms[SAMPLES / 2],
                            ms[(int) (SAMPLES * 0.99) - 1],
                            ms[SAMPLES - 1]);
                }
            }
            System.out.printf("load average after the latency runs: %s", loadAverage());

            System.out.printf("%n### ml.predict on %,d rows (keep_columns: [customer_id], threads 2)%n", rows);
            System.out.printf(
                    "%n| model | batch_rows | task wall s | scoring s (log) | process CPU s | rows/s (task wall) | output MB |%n"
                            + "|---|---:|---:|---:|---:|---:|---:|%n");
            LocalArtifactStore store = LocalArtifactStore.inHome(home);
            var os = (com.sun.management.OperatingSystemMXBean)
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            Map<String, Long> defaultRuns = new LinkedHashMap<>();
            for (ModelUnderTest m : MODELS) {
                for (int signed : batchSizes(m)) {
                    int batch = Math.abs(signed);
                    // One run per measurement, nothing else running in this JVM meanwhile: the process's CPU time
                    // over the run is the task's (plus the idle engine's polling), steadier than wall time on a
                    // shared machine.
                    long cpu0 = os.getProcessCpuTime();
                    long run = runAndWait(app, "bench_predict_score", Map.of("model", m.name(), "batch", batch));
                    double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
                    if (batch == DEFAULT_BATCH_ROWS && signed > 0) defaultRuns.put(m.name(), run);
                    var times = app.db
                            .dsl()
                            .fetchOne(
                                    "select a.started_at, a.ended_at, a.log_path, t.output::text from attempt a"
                                            + " join task_instance t on t.id = a.task_instance_id"
                                            + " where t.run_id = ? and t.task_id = 'score' order by a.try_number desc limit 1",
                                    run);
                    double wall =
                            Duration.between(times.get(0, OffsetDateTime.class), times.get(1, OffsetDateTime.class))
                                            .toMillis()
                                    / 1000.0;
                    JsonNode out = ApiJson.MAPPER.readTree(times.get(3, String.class));
                    String log = Files.readString(Path.of(times.get(2, String.class)));
                    String scoring = log.replaceAll("(?s).* in ([0-9.]+) s: .*", "$1");
                    System.out.printf(
                            "| %s | %,d%s | %.2f | %s | %.2f | %,.0f | %.1f |%n",
                            m.label(),
                            batch,
                            signed < 0 ? " (2nd pass)" : "",
                            wall,
                            scoring,
                            cpu,
                            out.path("rows").asLong() / wall,
                            Files.size(store.localPath(out.path("predictions").asText())) / 1e6);
                }
            }
            for (ModelUnderTest m : MODELS)
                sameAsApi(home, http, base, token, store, app, defaultRuns.get(m.name()), m, score);
            System.out.printf("%nload average after: %s", loadAverage());
            System.out.printf(
                    "peak RSS of the benchmark JVM (server, engine, tasks): %s%n",
                    Files.readAllLines(Path.of("/proc/self/status")).stream()
                            .filter(l -> l.startsWith("VmHWM"))
                            .findFirst()
                            .orElse("?"));
        }
        try (var files = Files.walk(home)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(f -> f.toFile().delete());
        }
        System.exit(0);
    }

    /**
     * About 100 rows spread over the whole 1M-row output (every row group, every DuckDB thread), POSTed to the API:
     * the answers must be the output's, bit for bit. Fails the benchmark otherwise.
     */
    static void sameAsApi(
            Path home,
            HttpClient http,
            String base,
            String token,
            LocalArtifactStore store,
            SluiceApp app,
            long scoreRun,
            ModelUnderTest m,
            Path score)
            throws Exception {
        String ref = app.db
                .dsl()
                .fetchOne(
                        "select output->>'predictions' from task_instance where run_id = ? and task_id = ?",
                        scoreRun,
                        "score")
                .get(0, String.class);
        List<Map<String, Object>> picked = read(
                home,
                "SELECT s.age, s.income, s.region, s.premium, p.prediction, p.probability FROM "
                        + DuckDb.parquet(store.localPath(ref)) + " p JOIN " + DuckDb.parquet(score)
                        + " s USING (customer_id) WHERE customer_id % 9973 = 0 ORDER BY customer_id");
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Map<String, Object> p : picked) {
            Map<String, Object> r = new LinkedHashMap<>(p);
            r.remove("prediction");
            r.remove("probability");
            rows.add(r);
        }
        JsonNode answer = ApiJson.MAPPER.readTree(post(
                http,
                base + "/models/" + m.name() + "/predict",
                token,
                ApiJson.MAPPER.writeValueAsString(Map.of("rows", rows))));
        for (int i = 0; i < picked.size(); i++) {
            double served = answer.path("probabilities").get(i).asDouble();
            if ((double) picked.get(i).get("probability") != served
                    || !picked.get(i)
                            .get("prediction")
                            .equals(answer.path("predictions").get(i).asText()))
                throw new IllegalStateException(m.name() + ": row " + picked.get(i) + " scored differently by the API: "
                        + answer.path("predictions").get(i) + " " + served);
        }
        System.out.printf(
                "%s: %d rows picked across the %s output equal the API's answers bit for bit%n",
                m.label(), picked.size(), ref);
    }

    /**
     * The sweep chose the default (on XGBoost) and checks it suits ONNX Runtime's per-call cost too: every size
     * twice, the second pass in reverse order, so that a change in the machine's load during the sweep shows as a
     * difference between the passes rather than as a trend across sizes. The others run at the default, twice.
     */
    static List<Integer> batchSizes(ModelUnderTest m) {
        if (!m.sweep()) return List.of(DEFAULT_BATCH_ROWS, -DEFAULT_BATCH_ROWS);
        List<Integer> out = new ArrayList<>();
        for (int b : BATCH_SIZES) out.add(b);
        for (int i = BATCH_SIZES.length - 1; i >= 0; i--) out.add(-BATCH_SIZES[i]); // negative: the second pass
        return out;
    }

    static String trainDag(Path train, String python) {
        StringBuilder y = new StringBuilder("""
                id: bench_predict_train
                defaults: {retries: 0}
                tasks:
                  - id: ingest
                    type: ml.ingest
                    config: {path: "%s"}
                  - id: split
                    type: ml.split
                    depends_on: [ingest]
                    config: {dataset: "{{ tasks.ingest.output.dataset }}", validation_ratio: 0}
                  - id: preprocess
                    type: ml.preprocess
                    depends_on: [split]
                    config: {label: outcome, numeric: [age, income], categorical: [region], boolean: [premium],
                             scaling: standard, train: "{{ tasks.split.output.train }}", test: "{{ tasks.split.output.test }}"}
                """.formatted(train));
        for (ModelUnderTest m : MODELS) y.append(m.trainYaml().replace("@PYTHON@", python));
        return y.toString();
    }

    /** One ml.predict; each run names the model and the batch size. */
    static String scoreDag(Path score) {
        return """
                id: bench_predict_score
                defaults: {retries: 0}
                params:
                  model: {type: string, default: bench_xgboost}
                  batch: {type: integer, default: 1024}
                tasks:
                  - id: score
                    type: ml.predict
                    config: {model_name: "{{ params.model }}", dataset: "%s", keep_columns: [customer_id],
                             batch_rows: "{{ params.batch }}"}
                """.formatted(score);
    }

    /** Customers generated in DuckDB from a seeded hash of the row number: the same rows on every run. */
    static void generate(Path home, Path file, long from, int n, boolean withLabel) throws Exception {
        try (DuckDb db = DuckDb.open(Files.createTempDirectory(home, "gen"), "1GB", 2)) {
            db.exec("COPY (SELECT customer_id, age,"
                    + " CASE WHEN (hash(customer_id, 6) % 100) < 2 THEN NULL"
                    + "  ELSE round(12000 + 600 * age + 16000 * ((hash(customer_id, 2) % 10000) / 10000.0), 2) END AS income,"
                    + " region, premium"
                    + (withLabel
                            ? ", CASE WHEN (age - 45) * 0.04 + CASE WHEN premium THEN -1.0 ELSE 0.5 END"
                                    + " + CASE WHEN region = 'south' THEN 0.8 ELSE 0 END"
                                    + " + 3.0 * ((hash(customer_id, 5) % 10000) / 10000.0 - 0.5) - 0.3 > 0"
                                    + " THEN 'left' ELSE 'stayed' END AS outcome"
                            : "")
                    + " FROM (SELECT i AS customer_id, 18 + (hash(i, 1) % 60)::BIGINT AS age,"
                    + " (['north', 'south', 'east', 'west'])[1 + (hash(i, 3) % 4)::BIGINT] AS region,"
                    + " (hash(i, 4) % 100) < 30 AS premium FROM range(" + from + ", " + (from + n) + ") t(i))"
                    + ") TO " + DuckDb.literal(file.toString()) + " (FORMAT parquet, COMPRESSION zstd)");
        }
    }

    static long runAndWait(SluiceApp app, String dagId) throws Exception {
        return runAndWait(app, dagId, Map.of());
    }

    static long runAndWait(SluiceApp app, String dagId, Map<String, Object> params) throws Exception {
        // Distinct logical dates: a manual run's id is made from its date.
        Instant date = Instant.parse("2026-01-01T00:00:00Z").plusSeconds(RUNS.incrementAndGet());
        long run = app.engine.runs().createRun(dagId, "manual", date, null, null, params, "bench");
        String state = org.awaitility.Awaitility.await()
                .pollInterval(Duration.ofMillis(200))
                .atMost(Duration.ofHours(1))
                .until(
                        () -> app.db
                                .dsl()
                                .fetchOne("select state from dag_run where id = ?", run)
                                .get(0, String.class),
                        s -> s.equals("success") || s.equals("failed") || s.equals("cancelled"));
        if (state.equals("success")) return run;
        throw new IllegalStateException(dagId + " run " + state + ": "
                + app.db
                        .dsl()
                        .fetch(
                                "select task_id, state, error from task_instance where run_id = ? and state <> 'success'",
                                run));
    }

    static List<Map<String, Object>> read(Path home, String sql) throws Exception {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (DuckDb db = DuckDb.open(Files.createTempDirectory(home, "read"), "512MB", 1);
                Statement s = db.connection().createStatement();
                ResultSet r = s.executeQuery(sql)) {
            ResultSetMetaData md = r.getMetaData();
            while (r.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= md.getColumnCount(); i++) row.put(md.getColumnLabel(i), r.getObject(i));
                rows.add(row);
            }
        }
        return rows;
    }

    static String post(HttpClient http, String url, String token, String body) throws Exception {
        var r = http.send(
                HttpRequest.newBuilder(URI.create(url))
                        .header("Authorization", "Bearer " + token)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) throw new IllegalStateException(url + " -> " + r.statusCode() + ": " + r.body());
        return r.body();
    }

    /** The pinned test venv's interpreter (scikit-learn, skl2onnx, the SDK's pandas and pyarrow). */
    static String venvPython() {
        String venv = System.getenv("SLUICE_TEST_VENV");
        if (venv == null || venv.isBlank())
            throw new IllegalStateException("SLUICE_TEST_VENV is not set: run scripts/bench-predict, which sets it from"
                    + " scripts/python-env, or export SLUICE_TEST_VENV=$(scripts/python-env)");
        Path python = Path.of(venv, "bin", "python");
        if (!Files.isExecutable(python))
            throw new IllegalStateException("SLUICE_TEST_VENV=" + venv + " has no bin/python");
        return python.toString();
    }

    static String loadAverage() throws Exception {
        return Files.readString(Path.of("/proc/loadavg"));
    }
}
