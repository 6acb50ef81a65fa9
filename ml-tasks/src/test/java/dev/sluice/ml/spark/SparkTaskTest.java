package dev.sluice.ml.spark;

import static dev.sluice.db.jooq.Tables.TASK_INSTANCE;
import static dev.sluice.ml.db.jooq.Tables.ARTIFACT_LINEAGE;
import static dev.sluice.ml.db.jooq.Tables.ML_EXPERIMENT_RUN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.sluice.dag.Dag;
import dev.sluice.dag.DagValidationException;
import dev.sluice.dag.YamlDagParser;
import dev.sluice.engine.Engine;
import dev.sluice.engine.EngineConfig;
import dev.sluice.engine.Services;
import dev.sluice.ml.Json;
import dev.sluice.ml.artifact.Artifact;
import dev.sluice.ml.artifact.ObjectArtifactStore;
import dev.sluice.ml.python.TestVenv;
import dev.sluice.run.RunState;
import dev.sluice.storage.ObjectStore;
import dev.sluice.storage.s3.MotoS3Server;
import dev.sluice.storage.s3.S3ObjectStore;
import dev.sluice.testing.EngineHarness;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The spark task type in real DAG runs: real PostgreSQL and a real Spark in local mode, whose spark-submit comes
 * from the pyspark of the pinned test venv and runs on a Java 17 or 21 of this machine. Each Spark start costs
 * 10-60 s on a busy 2-core machine, so every test that starts one checks as much as it can.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SparkTaskTest {
    /** Spark's start and the jobs, on a loaded CI machine. */
    private static final Duration RUN = Duration.ofSeconds(300);

    private EngineHarness h;
    private Engine engine;
    private String python;

    @BeforeAll
    void start() throws Exception {
        python = TestVenv.python();
        System.setProperty(SparkInstallation.PYTHON_SETTING, python);
        System.setProperty(SparkInstallation.JAVA_HOME_SETTING, sparkJava().toString());
        h = new EngineHarness();
        engine = h.engine();
    }

    @AfterAll
    void stop() {
        h.close();
        System.clearProperty(SparkInstallation.PYTHON_SETTING);
        System.clearProperty(SparkInstallation.JAVA_HOME_SETTING);
    }

    /**
     * The whole exchange on a real S3-compatible store (moto), served by a worker of its own on its own queue: the
     * worker fetches the split from the bucket for the driver, and the dataset Spark writes goes back into it.
     */
    @Test
    void a_pyspark_job_reads_the_preprocessed_split_and_writes_the_training_set_that_ml_train_fits() throws Exception {
        MotoS3Server moto = MotoS3Server.get();
        try (ObjectStore bucket = new S3ObjectStore(moto.client(), moto.newBucket(), "sluice")) {
            Engine s3Worker = new Engine(
                            h.db,
                            h.types,
                            EngineConfig.defaults(h.home)
                                    .withQueues(List.of("spark_s3"))
                                    .withWorkerId("spark-s3")
                                    .withPollInterval(Duration.ofMillis(200))
                                    .withHeartbeat(Duration.ofMillis(500))
                                    .withDrainTimeout(Duration.ofSeconds(2)),
                            Clock.systemUTC(),
                            new Services().put(ObjectStore.class, bucket))
                    .start();
            try {
                pipelineOnTheBucket(bucket);
            } finally {
                s3Worker.close();
            }
        }
    }

    private void pipelineOnTheBucket(ObjectStore bucket) throws Exception {
        StringBuilder csv = new StringBuilder("x,c,y\n");
        for (int i = 0; i < 400; i++)
            csv.append(i % 50)
                    .append(',')
                    .append(i % 3 == 0 ? "a" : "b")
                    .append(',')
                    .append(i % 50 >= 25 ? 1 : 0)
                    .append('\n');
        Files.writeString(h.home.resolve("rows.csv"), csv);
        // Keeps every other row of the training split (a stand-in for a Spark-sized clean-up), through Spark itself.
        Files.writeString(h.home.resolve("thin.py"), """
                import sys
                import sluice
                from pyspark.sql import SparkSession, functions as F
                spark = SparkSession.builder.getOrCreate()
                df = spark.read.parquet(sluice.dataset_path(sluice.upstream("preprocess", "train")))
                before = df.count()
                kept = df.withColumn("_i", F.monotonically_increasing_id()).where(F.col("_i") % int(sys.argv[1]) == 0).drop("_i")
                sluice.write_dataset(kept.repartition(3), "train")
                sluice.log_metrics({"rows_in": before})
                sluice.output("rows_in", before)
                print("spark kept", kept.count(), "of", before, "rows on", spark.sparkContext.master)
                spark.stop()
                """);
        save("""
                id: spark_pipeline
                defaults: {queue: spark_s3}
                tasks:
                  - {id: ingest, type: ml.ingest, config: {path: rows.csv}}
                  - {id: split, type: ml.split, depends_on: [ingest], config: {seed: 3}}
                  - {id: preprocess, type: ml.preprocess, depends_on: [split], config: {label: y}}
                  - id: thin
                    type: spark
                    depends_on: [preprocess]
                    config:
                      application: thin.py
                      args: [2]
                      master: "local[2]"
                      conf: {spark.ui.enabled: false, spark.sql.shuffle.partitions: 2}
                  - id: train
                    type: ml.train
                    depends_on: [thin]
                    config:
                      label: y
                      rounds: 5
                      threads: 1
                      train: "{{ tasks.thin.output.train }}"
                      validation: "{{ tasks.preprocess.output.validation }}"
                      transform: "{{ tasks.preprocess.output.transform }}"
                """);
        long run = succeed("spark_pipeline");
        Map<String, Object> pre = output(run, "preprocess");
        Map<String, Object> thin = output(run, "thin");
        long trainRows = ((Number) pre.get("train_rows")).longValue();
        assertThat(thin).containsEntry("rows_in", (int) trainRows);
        assertThat(thin.get("train")).asString().matches("sha256:[0-9a-f]{64}");
        long kept = ((Number) thin.get("train_rows")).longValue();
        assertThat(kept).isBetween(trainRows / 2 - 2, trainRows / 2 + 2);
        // Spark's dataset is in the bucket, where ml.train (on the same worker) read it from.
        assertThat(bucket.stat(ObjectArtifactStore.keyOf(Artifact.hashOf((String) thin.get("train")))))
                .isPresent();
        // ml.train fitted exactly the rows the Spark job wrote.
        Map<String, Object> train = output(run, "train");
        assertThat(((Number) train.get("rows")).longValue()).isEqualTo(kept);
        String log = h.log(run, "thin");
        assertThat(log)
                .contains("/pyspark/bin/spark-submit (Spark from the pyspark package of " + python + ", JAVA_HOME ")
                .contains("Running Spark version 4.")
                .contains("spark kept " + kept + " of " + trainRows + " rows on local[2]")
                .containsPattern("output train: [0-9]+ Parquet part file\\(s\\) merged into one dataset")
                .contains("output train: dataset " + thin.get("train"));
        // Lineage: the Spark attempt read the preprocessed train split and wrote what ml.train then read.
        assertThat(h.db.dsl()
                        .fetchCount(
                                ARTIFACT_LINEAGE,
                                ARTIFACT_LINEAGE.RUN_ID.eq(run),
                                ARTIFACT_LINEAGE.TASK_ID.eq("thin"),
                                ARTIFACT_LINEAGE.DIRECTION.eq("consumed")))
                .isGreaterThanOrEqualTo(1);
        var metrics = h.db.dsl()
                .select(ML_EXPERIMENT_RUN.METRICS)
                .from(ML_EXPERIMENT_RUN)
                .where(ML_EXPERIMENT_RUN.RUN_ID.eq(run), ML_EXPERIMENT_RUN.TASK_ID.eq("thin"))
                .fetchOne()
                .value1();
        assertThat(Json.readMap(metrics.data())).containsEntry("rows_in", (double) trainRows);
    }

    @Test
    void a_failing_job_fails_the_task_with_the_driver_s_python_error() throws Exception {
        Files.writeString(h.home.resolve("strict.py"), """
                from pyspark.sql import SparkSession
                spark = SparkSession.builder.getOrCreate()
                n = spark.range(7).count()
                if n < 1000:
                    raise ValueError(f"expected at least 1000 rows, got {n}")
                """);
        save("""
                id: spark_fails
                defaults: {retries: 0}
                tasks:
                  - {id: strict, type: spark, config: {application: strict.py, master: "local[1]", conf: {spark.ui.enabled: false}}}
                """);
        long run = h.trigger(engine, "spark_fails", Map.of());
        assertThat(h.awaitRun(run, RUN)).isEqualTo(RunState.FAILED);
        assertThat(h.error(run, "strict"))
                .startsWith("spark-submit exited with code 1; driver error:")
                .contains("ValueError: expected at least 1000 rows, got 7")
                .contains("strict.py\", line 5");
        assertThat(h.log(run, "strict")).contains("Traceback (most recent call last):");
    }

    @Test
    void cancel_kills_the_spark_submit_jvm_the_driver_and_the_python_workers() throws Exception {
        Path pids = Files.createDirectories(h.home.resolve("pids-cancel"));
        Files.writeString(h.home.resolve("forever.py"), FOREVER);
        save("""
                id: spark_cancel
                tasks:
                  - id: forever
                    type: spark
                    config: {application: forever.py, args: ["%s", "workers"], master: "local[2]", conf: {spark.ui.enabled: false}}
                """.formatted(pids));
        long run = h.trigger(engine, "spark_cancel", Map.of());
        // The driver (python), its JVM, and both Python workers of the running stage, with the daemon they forked from.
        await().atMost(RUN)
                .until(() -> names(pids).stream()
                                        .filter(n -> n.startsWith("worker-"))
                                        .count()
                                == 2
                        && names(pids).stream().anyMatch(n -> n.startsWith("daemon-")));
        // The driver and its JVM must be up; a recorded worker or daemon pid may already be gone (seen once: PySpark
        // had replaced a worker), so the kill is checked on every recorded process alive when the cancel is sent.
        assertThat(alive(pidOf(pids, "driver"))).as("driver").isTrue();
        assertThat(alive(pidOf(pids, "jvm"))).as("spark-submit's JVM").isTrue();
        List<Long> tree = pidsIn(pids).stream().filter(SparkTaskTest::alive).toList();
        assertThat(tree).hasSizeGreaterThanOrEqualTo(3);
        engine.control().cancel(run);
        await().atMost(Duration.ofSeconds(30)).until(() -> tree.stream().noneMatch(SparkTaskTest::alive));
        assertThat(h.awaitRun(run, Duration.ofSeconds(30))).isEqualTo(RunState.CANCELLED);
    }

    @Test
    void a_timeout_kills_the_driver_and_its_jvm_and_fails_the_task() throws Exception {
        Path pids = Files.createDirectories(h.home.resolve("pids-timeout"));
        Files.writeString(h.home.resolve("forever.py"), FOREVER);
        save("""
                id: spark_timeout
                defaults: {retries: 0}
                tasks:
                  - id: forever
                    type: spark
                    timeout: 30s
                    config: {application: forever.py, args: ["%s", "driver"], master: "local[1]"}
                """.formatted(pids));
        long run = h.trigger(engine, "spark_timeout", Map.of());
        // Before Spark's context starts, the driver and its JVM (spark-submit's) are up: what the timeout must kill.
        await().atMost(RUN).until(() -> pidsIn(pids).size() >= 2);
        List<Long> tree = pidsIn(pids);
        assertThat(h.awaitRun(run, RUN)).isEqualTo(RunState.FAILED);
        await().atMost(Duration.ofSeconds(30)).until(() -> tree.stream().noneMatch(SparkTaskTest::alive));
        assertThat(h.error(run, "forever")).containsIgnoringCase("timed out");
    }

    @Test
    void a_dataset_folder_with_a_link_or_without_parquet_parts_is_refused_naming_the_output() throws Exception {
        // What sluice.write_dataset records for a Spark DataFrame, written by hand (no Spark needed for the checks).
        Files.writeString(h.home.resolve("folder.py"), """
                import json, os, sys
                res = os.path.join(os.environ["SLUICE_ATTEMPT_DIR"], "result")
                folder = os.path.join(res, "files", "parts.parquet")
                os.makedirs(folder)
                if sys.argv[1] == "link":
                    os.symlink("/etc/hostname", os.path.join(folder, "part-00000.parquet"))
                else:
                    open(os.path.join(folder, "_SUCCESS"), "w").close()
                with open(os.path.join(res, "outputs.json"), "w") as f:
                    json.dump({"rows": {"$artifact": {"path": "files/parts.parquet", "kind": "dataset"}}}, f)
                """);
        save("""
                id: folder_dataset
                defaults: {retries: 0}
                params:
                  how: {type: string, default: link}
                tasks:
                  - {id: t, type: python, config: {script: folder.py, args: ["{{ params.how }}"], python: "%s"}}
                """.formatted(python));
        long link = h.trigger(engine, "folder_dataset", Map.of("how", "link"));
        assertThat(h.awaitRun(link, Duration.ofSeconds(60))).isEqualTo(RunState.FAILED);
        assertThat(h.error(link, "t")).contains("rows").contains("part-00000.parquet' is a link");
        long empty = h.trigger(engine, "folder_dataset", Map.of("how", "empty"));
        assertThat(h.awaitRun(empty, Duration.ofSeconds(60))).isEqualTo(RunState.FAILED);
        assertThat(h.error(empty, "t")).contains("output rows: the dataset folder holds no .parquet file");
    }

    @Test
    void a_dag_with_a_bad_spark_config_is_refused_naming_each_field() {
        String yaml = """
                id: bad_spark
                tasks:
                  - id: t
                    type: spark
                    config:
                      application: ../job.py
                      main_class: org.example.Job
                      master: "mesos-ish://x"
                      deploy_mode: sideways
                      conf: {spark.master: yarn, fs.s3a.endpoint: x}
                      packages: ["not-a-coordinate"]
                      env: {JAVA_HOME: /opt/java}
                """;
        assertThatThrownBy(() -> new YamlDagParser(h.types).parse(yaml, "bad_spark.yaml"))
                .isInstanceOf(DagValidationException.class)
                .hasMessageContaining("bad_spark.yaml:")
                .hasMessageContaining("application: '../job.py' must be a path relative to the DAG file's folder")
                .hasMessageContaining("master: 'mesos-ish://x' is not a Spark master")
                .hasMessageContaining("deploy_mode: 'sideways' must be client or cluster")
                .hasMessageContaining("conf: spark.master is set by this task's own fields")
                .hasMessageContaining("conf: 'fs.s3a.endpoint' is not a Spark setting")
                .hasMessageContaining("packages[0]: 'not-a-coordinate' is not group:artifact:version")
                .hasMessageContaining("env: JAVA_HOME is set by the spark task type");
        String local = """
                id: bad_spark2
                tasks:
                  - {id: t, type: spark, config: {application: job.py, main_class: a.B, deploy_mode: cluster}}
                """;
        assertThatThrownBy(() -> new YamlDagParser(h.types).parse(local, "bad_spark2.yaml"))
                .hasMessageContaining("main_class: only for a .jar application")
                .hasMessageContaining("deploy_mode: cluster needs a cluster master");
    }

    @Test
    void a_python_without_pyspark_and_no_spark_home_is_a_readable_failure() throws Exception {
        Files.writeString(h.home.resolve("nothing.py"), "pass\n");
        save("""
                id: spark_nopyspark
                defaults: {retries: 0}
                tasks:
                  - {id: t, type: spark, config: {application: nothing.py, python: /usr/bin/python3}}
                """);
        long run = h.trigger(engine, "spark_nopyspark", Map.of());
        assertThat(h.awaitRun(run, Duration.ofSeconds(60))).isEqualTo(RunState.FAILED);
        assertThat(h.error(run, "t"))
                .contains("'/usr/bin/python3' has no pyspark package")
                .contains("point spark_home at a Spark installation");
    }

    /**
     * Writes pids into argv[1] and then never ends: "driver" writes the driver's and its JVM's (the driver's parent:
     * spark-submit's JVM starts the Python driver) and sleeps; "workers" also runs a stage whose tasks write their
     * Python worker's pid and the daemon's that forked it, and sleep.
     */
    private static final String FOREVER = """
            import os, sys, time
            pids = sys.argv[1]
            def mark(name, pid):
                path = os.path.join(pids, name)
                with open(path + ".tmp", "w") as f:
                    f.write(str(pid))
                os.replace(path + ".tmp", path)
            mark("driver", os.getpid())
            mark("jvm", os.getppid())
            if sys.argv[2] == "driver":
                time.sleep(600)
            from pyspark.sql import SparkSession
            spark = SparkSession.builder.getOrCreate()
            def work(it):
                mark("worker-%d" % os.getpid(), os.getpid())
                mark("daemon-%d" % os.getppid(), os.getppid())
                time.sleep(600)
                yield 1
            spark.sparkContext.parallelize(range(2), 2).mapPartitions(work).collect()
            """;

    private static List<Long> pidsIn(Path dir) throws IOException {
        List<Long> out = new ArrayList<>();
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(f -> !f.toString().endsWith(".tmp")).toList())
                out.add(Long.parseLong(Files.readString(f).trim()));
        }
        return out.stream().distinct().toList();
    }

    private static long pidOf(Path dir, String name) throws IOException {
        return Long.parseLong(Files.readString(dir.resolve(name)).trim());
    }

    private static List<String> names(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString())
                    .filter(n -> !n.endsWith(".tmp"))
                    .toList();
        }
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** A JDK 17 or 21 for Spark 4: SLUICE_SPARK_JAVA_HOME, else one under /usr/lib/jvm (.ci/run installs 17). */
    static Path sparkJava() throws IOException {
        String env = System.getenv(SparkInstallation.JAVA_HOME_SETTING);
        if (env != null && !env.isBlank()) return Path.of(env);
        try (var jvms = Files.list(Path.of("/usr/lib/jvm"))) {
            for (Path j : jvms.sorted().toList()) {
                Path release = j.resolve("release");
                if (Files.isExecutable(j.resolve("bin/java")) && Files.exists(release)) {
                    String r = Files.readString(release);
                    if (r.contains("JAVA_VERSION=\"17") || r.contains("JAVA_VERSION=\"21")) return j;
                }
            }
        }
        throw new IllegalStateException("Spark 4 needs a Java 17 or 21 and none is under /usr/lib/jvm: install"
                + " openjdk-17-jre-headless or set " + SparkInstallation.JAVA_HOME_SETTING);
    }

    private void save(String yaml) throws Exception {
        Dag dag = new YamlDagParser(h.types).parse(yaml, "test.yaml");
        engine.dags().save(dag, h.home.resolve(dag.id() + ".yaml").toString(), yaml);
    }

    private long succeed(String dagId) throws InterruptedException {
        long run = h.trigger(engine, dagId, Map.of());
        RunState s = h.awaitRun(run, RUN);
        assertThat(s)
                .as(() -> {
                    StringBuilder b = new StringBuilder("run " + dagId + ": " + h.taskStates(run));
                    h.taskStates(run).keySet().forEach(t -> {
                        try {
                            b.append("\n--- ")
                                    .append(t)
                                    .append(": ")
                                    .append(h.error(run, t))
                                    .append('\n')
                                    .append(h.log(run, t));
                        } catch (IOException e) {
                            b.append(e);
                        }
                    });
                    return b.toString();
                })
                .isEqualTo(RunState.SUCCESS);
        return run;
    }

    private Map<String, Object> output(long runKey, String task) {
        var out = h.db.dsl()
                .select(TASK_INSTANCE.OUTPUT)
                .from(TASK_INSTANCE)
                .where(TASK_INSTANCE.RUN_ID.eq(runKey), TASK_INSTANCE.TASK_ID.eq(task))
                .fetchOne()
                .value1();
        return Json.readMap(out.data());
    }
}
