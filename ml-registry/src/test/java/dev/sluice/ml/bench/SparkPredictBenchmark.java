package dev.sluice.ml.bench;

import dev.sluice.dag.Dag;
import dev.sluice.dag.YamlDagParser;
import dev.sluice.engine.Engine;
import dev.sluice.ml.data.DuckDb;
import dev.sluice.ml.spark.TestSpark;
import dev.sluice.run.RunState;
import dev.sluice.testing.EngineHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * ml.predict on DuckDB (engine: duckdb, in this JVM) vs Spark local mode (engine: spark) on the same N generated
 * rows with the same logistic regression: wall time, rows/s and peak memory (this JVM's VmHWM, reset before each
 * run; the Spark driver JVM's and its Python driver's VmHWM, sampled every 200 ms). Run by
 * scripts/bench-predict-spark; results in BENCHMARKS.md, section 5.
 */
public final class SparkPredictBenchmark {
    public static void main(String[] args) throws Exception {
        long n = args.length > 0 ? Long.parseLong(args[0]) : 10_000_000L;
        String master = args.length > 1 ? args[1] : "local[2]";
        TestSpark.configure();
        try (EngineHarness h = new EngineHarness()) {
            Engine engine = h.engine();
            Path dir = Files.createTempDirectory(h.home, "bench");
            Path big = dir.resolve("customers.parquet");
            Path sample = dir.resolve("sample.csv");
            long t0 = System.nanoTime();
            try (DuckDb db = DuckDb.open(Files.createTempDirectory(dir, "duck"), "1GB", 2)) {
                db.exec("CREATE VIEW gen AS SELECT customer_id, age, income, region, premium,"
                        + " (age - 45) * 0.04 + CASE WHEN premium THEN -1.0 ELSE 0.5 END"
                        + " + CASE WHEN region = 'south' THEN 0.8 ELSE 0 END + (hash(i * 17) % 1000) / 700.0 - 0.7 > 0"
                        + " AS churned FROM (SELECT i, 1000000000000 + i * 7 AS customer_id,"
                        + " CAST(18 + hash(i) % 60 AS INTEGER) AS age,"
                        + " CASE WHEN hash(i * 3) % 50 = 0 THEN NULL ELSE CAST(20000 + hash(i * 5) % 40000 AS DOUBLE)"
                        + " END AS income, ['north', 'south', 'east', 'west'][CAST(1 + hash(i * 11) % 4 AS BIGINT)] AS region,"
                        + " hash(i * 13) % 10 < 3 AS premium FROM range(" + n + ") t(i))");
                db.exec("COPY (SELECT * FROM gen LIMIT 50000) TO " + DuckDb.literal(sample.toString()) + " (HEADER)");
                db.exec("COPY (SELECT * EXCLUDE (churned) FROM gen) TO " + DuckDb.literal(big.toString())
                        + " (FORMAT parquet, COMPRESSION zstd)");
            }
            System.out.printf(
                    "generated %,d rows (%,d MB of Parquet) in %.1f s%n",
                    n, Files.size(big) >> 20, (System.nanoTime() - t0) / 1e9);
            save(h, engine, """
                    id: bench_train
                    tasks:
                      - {id: ingest, type: ml.ingest, config: {path: "%s", source: csv}}
                      - {id: split, type: ml.split, depends_on: [ingest], config: {seed: 1}}
                      - id: prep
                        type: ml.preprocess
                        depends_on: [split]
                        config: {label: churned, numeric: [age, income], categorical: [region], boolean: [premium], scaling: standard}
                      - {id: train, type: ml.train, depends_on: [prep], config: {label: churned, algorithm: logistic_regression}}
                      - {id: deploy, type: ml.deploy, depends_on: [train], config: {model_name: bench_churn}}
                    """.formatted(sample));
            run(h, engine, "bench_train", Duration.ofMinutes(5));
            String common =
                    "model_name: bench_churn, version: 1, dataset: \"" + big + "\", keep_columns: [customer_id]";
            save(
                    h,
                    engine,
                    "id: bench_duckdb\ntasks:\n  - {id: score, type: ml.predict, config: {" + common
                            + ", threads: 2}}\n");
            save(
                    h,
                    engine,
                    "id: bench_spark\ntasks:\n  - {id: score, type: ml.predict, config: {" + common
                            + ", engine: spark, spark: {master: \"" + master
                            + "\", conf: {spark.ui.enabled: false}}}}\n");

            resetPeak();
            Timed duckRun = run(h, engine, "bench_duckdb", Duration.ofMinutes(30));
            double duck = duckRun.seconds();
            long jvmPeak = peakKb(ProcessHandle.current().pid());
            System.out.printf(
                    "duckdb: %,d rows in %.1f s = %,.0f rows/s; this JVM's peak RSS %,d MB (-Xmx %,d MB)%n",
                    n, duck, n / duck, jvmPeak >> 10, Runtime.getRuntime().maxMemory() >> 20);

            resetPeak();
            AtomicLong driverJvm = new AtomicLong();
            AtomicLong driverPython = new AtomicLong();
            // Peak memory of Spark's processes, sampled five times a second while the run lasts.
            var sampler = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().daemon().factory());
            sampler.scheduleAtFixedRate(
                    () -> ProcessHandle.current().descendants().forEach(p -> {
                        String cmd = cmdline(p.pid());
                        if (cmd.contains("org.apache.spark.deploy.SparkSubmit"))
                            driverJvm.accumulateAndGet(peakKb(p.pid()), Math::max);
                        else if (cmd.contains("spark_score.py"))
                            driverPython.accumulateAndGet(peakKb(p.pid()), Math::max);
                    }),
                    0,
                    200,
                    java.util.concurrent.TimeUnit.MILLISECONDS);
            Timed sparkRun = run(h, engine, "bench_spark", Duration.ofMinutes(30));
            double spark = sparkRun.seconds();
            sampler.shutdownNow();
            System.out.printf(
                    "spark %s: %,d rows in %.1f s = %,.0f rows/s (Spark start and the merge of the part files"
                            + " included); Spark driver JVM peak RSS %,d MB, Python driver %,d MB; this JVM %,d MB%n",
                    master,
                    n,
                    spark,
                    n / spark,
                    driverJvm.get() >> 10,
                    driverPython.get() >> 10,
                    peakKb(ProcessHandle.current().pid()) >> 10);
            // The two outputs, joined on the id: the benchmark fails unless every row agrees.
            var store = dev.sluice.ml.artifact.LocalArtifactStore.inHome(h.home);
            try (DuckDb db = DuckDb.open(Files.createTempDirectory(dir, "duck"), "1GB", 2)) {
                String d = DuckDb.parquet(store.localPath(predictions(h, duckRun.run())));
                String sp = DuckDb.parquet(store.localPath(predictions(h, sparkRun.run())));
                long differ = db.count("(SELECT * FROM " + d + " a JOIN " + sp + " b USING (customer_id) WHERE"
                        + " a.prediction <> b.prediction OR abs(a.probability - b.probability) > 1e-9)");
                long matched = db.count("(SELECT * FROM " + d + " a JOIN " + sp + " b USING (customer_id))");
                System.out.printf("check: %,d rows matched by customer_id, %,d differ%n", matched, differ);
                if (differ != 0 || matched != n) throw new IllegalStateException("the outputs differ");
            }
            String log = h.log(sparkRun.run(), "score");
            log.lines()
                    .filter(l -> l.contains("scored ") || l.contains("merged"))
                    .forEach(l -> System.out.println("  spark log: " + l));
        } finally {
            TestSpark.clear();
        }
    }

    private static void save(EngineHarness h, Engine engine, String yaml) {
        Dag dag = new YamlDagParser(h.types).parse(yaml, "bench.yaml");
        engine.dags().save(dag, h.home.resolve(dag.id() + ".yaml").toString(), yaml);
    }

    private static String predictions(EngineHarness h, long run) {
        var out = h.db.dsl()
                .select(dev.sluice.db.jooq.Tables.TASK_INSTANCE.OUTPUT)
                .from(dev.sluice.db.jooq.Tables.TASK_INSTANCE)
                .where(dev.sluice.db.jooq.Tables.TASK_INSTANCE.RUN_ID.eq(run))
                .fetchOne()
                .value1();
        return (String) dev.sluice.ml.Json.readMap(out.data()).get("predictions");
    }

    private record Timed(long run, double seconds) {}

    /** Trigger to end of the run, in seconds. */
    private static Timed run(EngineHarness h, Engine engine, String dagId, Duration max) throws Exception {
        long t0 = System.nanoTime();
        long run = h.trigger(engine, dagId, Map.of());
        RunState s = h.awaitRun(run, max);
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (s != RunState.SUCCESS)
            throw new IllegalStateException(dagId + " " + s + ": " + h.taskStates(run) + " "
                    + h.taskStates(run).keySet().stream()
                            .map(t -> h.error(run, t))
                            .toList());
        return new Timed(run, seconds);
    }

    /** Resets this process's peak RSS (Linux clear_refs 5), so VmHWM is the next run's. */
    private static void resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (Exception e) {
            System.out.println("cannot reset the peak RSS: " + e.getMessage());
        }
    }

    private static long peakKb(long pid) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (l.startsWith("VmHWM:")) return Long.parseLong(l.replaceAll("[^0-9]", ""));
            }
        } catch (Exception e) {
            // the process ended between listing and reading
        }
        return 0;
    }

    private static String cmdline(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline"))).replace('\0', ' ');
        } catch (Exception e) {
            return "";
        }
    }
}
