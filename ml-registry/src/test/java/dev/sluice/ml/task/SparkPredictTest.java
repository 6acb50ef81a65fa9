package dev.sluice.ml.task;

import static dev.sluice.db.jooq.Tables.TASK_INSTANCE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dag.Dag;
import dev.sluice.dag.YamlDagParser;
import dev.sluice.engine.Engine;
import dev.sluice.ml.Json;
import dev.sluice.ml.artifact.LocalArtifactStore;
import dev.sluice.ml.data.DuckDb;
import dev.sluice.ml.spark.TestSpark;
import dev.sluice.run.RunState;
import dev.sluice.testing.EngineHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jooq.JSONB;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * ml.predict with engine: spark on a real Spark in local mode (spark-submit from the pinned venv's pyspark) against
 * the DuckDB path in the same run: a logistic regression behind imputation, standard scaling, one-hot and a boolean
 * flag scores every row of the test split to the same classes and probabilities within 1e-9, in a dataset artifact
 * of the same columns and types. Each Spark start costs 10-60 s here, so the test starts it twice only.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SparkPredictTest {
    private static final Duration RUN = Duration.ofSeconds(300);
    private static final String DAG = """
            id: spark_scoring
            params:
              file: {type: string, default: ""}
            tasks:
              - id: ingest
                type: ml.ingest
                config: {path: "{{ params.file }}", source: csv}
              - id: split
                type: ml.split
                depends_on: [ingest]
                config: {dataset: "{{ tasks.ingest.output.dataset }}", seed: 5}
              - id: prep
                type: ml.preprocess
                depends_on: [split]
                config:
                  label: churned
                  numeric: [age, income]
                  categorical: [region]
                  boolean: [premium]
                  scaling: standard
                  train: "{{ tasks.split.output.train }}"
                  validation: "{{ tasks.split.output.validation }}"
                  test: "{{ tasks.split.output.test }}"
              - id: train
                type: ml.train
                depends_on: [prep]
                config:
                  label: churned
                  algorithm: logistic_regression
                  train: "{{ tasks.prep.output.train }}"
                  validation: "{{ tasks.prep.output.validation }}"
                  transform: "{{ tasks.prep.output.transform }}"
              - id: deploy
                type: ml.deploy
                depends_on: [train]
                config: {model_name: churn_spark, bundle: "{{ tasks.train.output.bundle }}"}
              - id: score_duckdb
                type: ml.predict
                depends_on: [deploy]
                config: {model_name: churn_spark, dataset: "{{ tasks.split.output.test }}", keep_columns: [customer_id, region]}
              - id: score_spark
                type: ml.predict
                depends_on: [deploy]
                config:
                  model_name: churn_spark
                  dataset: "{{ tasks.split.output.test }}"
                  keep_columns: [customer_id, region]
                  engine: spark
                  spark: {master: "local[2]", conf: {spark.ui.enabled: false, spark.sql.shuffle.partitions: 2}}
            """;

    private EngineHarness h;
    private Engine engine;
    private LocalArtifactStore store;
    private Path dir;
    private long run;

    @BeforeAll
    void trainDeployAndScoreBothWays() throws Exception {
        TestSpark.configure();
        h = new EngineHarness();
        engine = h.engine();
        store = LocalArtifactStore.inHome(h.home);
        dir = Files.createTempDirectory("sluice-spark-predict");
        Path csv = PredictTaskTest.customers(dir.resolve("customers.csv"), 3000, 17);
        save(DAG);
        run = h.trigger(engine, "spark_scoring", Map.of("file", csv.toString()));
        assertThat(h.awaitRun(run, RUN))
                .as(() -> "run: " + h.taskStates(run) + ": " + h.error(run, "score_spark"))
                .isEqualTo(RunState.SUCCESS);
    }

    @AfterAll
    void stop() {
        if (h != null) h.close();
        TestSpark.clear();
    }

    @Test
    void spark_predictions_equal_the_duckdb_paths_row_for_row_in_the_same_kind_of_dataset() throws Exception {
        Map<String, Object> duck = output(run, "score_duckdb");
        Map<String, Object> spark = output(run, "score_spark");
        assertThat(spark.get("rows")).isEqualTo(duck.get("rows"));
        assertThat(spark.get("columns")).isEqualTo(List.of("customer_id", "region", "prediction", "probability"));
        assertThat(spark).containsEntry("problem", "classification").containsEntry("version", 1);
        assertThat(types((String) spark.get("predictions"))).isEqualTo(types((String) duck.get("predictions")));

        Map<Object, Map<String, Object>> byId = new LinkedHashMap<>();
        for (Map<String, Object> r : rows((String) duck.get("predictions"))) byId.put(r.get("customer_id"), r);
        List<Map<String, Object>> scored = rows((String) spark.get("predictions"));
        assertThat(scored).hasSize(byId.size());
        int positives = 0;
        for (Map<String, Object> s : scored) {
            Map<String, Object> d = byId.get(s.get("customer_id"));
            assertThat(d)
                    .as("customer %s scored by DuckDB too", s.get("customer_id"))
                    .isNotNull();
            assertThat(s.get("region")).isEqualTo(d.get("region"));
            assertThat(s.get("prediction"))
                    .as("customer %s", s.get("customer_id"))
                    .isEqualTo(d.get("prediction"));
            assertThat((double) s.get("probability"))
                    .as("customer %s", s.get("customer_id"))
                    .isCloseTo((double) d.get("probability"), org.assertj.core.api.Assertions.within(1e-9));
            if (Boolean.TRUE.equals(s.get("prediction"))) positives++;
        }
        assertThat(positives).as("both classes predicted").isBetween(1, scored.size() - 1);
        assertThat(h.log(run, "score_spark"))
                .contains("spark-submit")
                .contains("merged into one dataset")
                .contains("scored " + String.format("%,d", scored.size()) + " rows on Spark");
    }

    @Test
    void config_errors_name_the_field_and_a_failing_job_fails_with_the_drivers_error() throws Exception {
        PredictTask t = new PredictTask();
        assertThat(t.validate(Map.of("model_name", "m", "engine", "flink")))
                .anySatisfy(e -> assertThat(e).startsWith("engine:"));
        assertThat(t.validate(Map.of("model_name", "m", "engine", "spark", "spark", Map.of("master", "mesos://x"))))
                .anySatisfy(e -> assertThat(e).startsWith("spark.master:"));
        assertThat(t.validate(Map.of("model_name", "m", "engine", "spark", "spark", Map.of("cores", 2))))
                .anySatisfy(e -> assertThat(e).startsWith("spark.cores: unknown setting"));
        assertThat(t.validate(Map.of("model_name", "m", "engine", "spark", "dataset", "rows.csv")))
                .anySatisfy(e -> assertThat(e).startsWith("dataset: engine: spark reads Parquet"));
        assertThat(t.validate(Map.of("model_name", "m", "spark", Map.of("master", "local[2]"))))
                .anySatisfy(e -> assertThat(e).startsWith("spark: settings for engine: spark, but engine is duckdb"));
        assertThat(t.validate(Map.of(
                        "model_name", "m", "version", 1, "cache", true, "engine", "spark", "dataset", "s3a://lake/x/")))
                .anySatisfy(e -> assertThat(e).contains("cache").contains("URL"));

        String test = (String) output(run, "split").get("test");
        Path noAge = dir.resolve("no_age.parquet");
        try (DuckDb db = DuckDb.open(Files.createTempDirectory(dir, "duck"), "256MB", 1)) {
            db.exec("COPY (SELECT * EXCLUDE (age) FROM " + DuckDb.parquet(store.localPath(test)) + ") TO "
                    + DuckDb.literal(noAge.toString()));
        }
        save("""
                id: spark_scoring_fails
                tasks:
                  - id: score
                    type: ml.predict
                    config:
                      model_name: churn_spark
                      dataset: "%s"
                      engine: spark
                      spark: {master: "local[1]", conf: {spark.ui.enabled: false}}
                """.formatted(noAge));
        long r = h.trigger(engine, "spark_scoring_fails", Map.of());
        assertThat(h.awaitRun(r, RUN)).isEqualTo(RunState.FAILED);
        assertThat(h.error(r, "score"))
                .contains("spark-submit exited with code")
                .contains("driver error")
                .contains("the dataset has no column 'age'");
    }

    private void save(String yaml) {
        Dag dag = new YamlDagParser(h.types).parse(yaml, "dag.yaml");
        engine.dags().save(dag, h.home.resolve(dag.id() + ".yaml").toString(), yaml);
    }

    private Map<String, Object> output(long runKey, String task) {
        JSONB out = h.db.dsl()
                .select(TASK_INSTANCE.OUTPUT)
                .from(TASK_INSTANCE)
                .where(TASK_INSTANCE.RUN_ID.eq(runKey), TASK_INSTANCE.TASK_ID.eq(task))
                .fetchOne()
                .value1();
        return Json.readMap(out.data());
    }

    private List<Map<String, Object>> rows(String ref) throws Exception {
        List<Map<String, Object>> rows = new java.util.ArrayList<>();
        try (DuckDb db = DuckDb.open(Files.createTempDirectory(dir, "duck"), "256MB", 1);
                Statement s = db.connection().createStatement();
                ResultSet r = s.executeQuery("SELECT * FROM " + DuckDb.parquet(store.localPath(ref)))) {
            ResultSetMetaData md = r.getMetaData();
            while (r.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= md.getColumnCount(); i++) row.put(md.getColumnLabel(i), r.getObject(i));
                rows.add(row);
            }
        }
        return rows;
    }

    private Map<String, String> types(String ref) throws Exception {
        Map<String, String> out = new LinkedHashMap<>();
        try (DuckDb db = DuckDb.open(Files.createTempDirectory(dir, "duck"), "256MB", 1);
                Statement s = db.connection().createStatement();
                ResultSet r = s.executeQuery("DESCRIBE SELECT * FROM " + DuckDb.parquet(store.localPath(ref)))) {
            while (r.next()) out.put(r.getString("column_name"), r.getString("column_type"));
        }
        return out;
    }
}
