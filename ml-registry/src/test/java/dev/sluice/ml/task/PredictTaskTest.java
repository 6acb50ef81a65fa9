package dev.sluice.ml.task;

import static dev.sluice.db.jooq.Tables.TASK_INSTANCE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.dag.Dag;
import dev.sluice.dag.YamlDagParser;
import dev.sluice.engine.Engine;
import dev.sluice.ml.Json;
import dev.sluice.ml.TestTaskContext;
import dev.sluice.ml.artifact.LocalArtifactStore;
import dev.sluice.ml.data.DuckDb;
import dev.sluice.ml.model.LoadedModel;
import dev.sluice.ml.model.Problem;
import dev.sluice.ml.registry.ModelRegistry;
import dev.sluice.ml.serving.Prediction;
import dev.sluice.ml.serving.PredictionResult;
import dev.sluice.ml.serving.PredictionService;
import dev.sluice.run.RunState;
import dev.sluice.testing.EngineHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.jooq.JSONB;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * ml.predict in real DAG runs on the engine: a binary logistic regression (boolean label) and a multiclass XGBoost
 * model (numeric classes) are trained and deployed by the same run that then scores the test split with them. The
 * predictions must be exactly what PredictionService — the predict API's service — answers for the same rows.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PredictTaskTest {
    private static final String DAG = """
            id: nightly_scoring
            params:
              file: {type: string, default: ""}
            tasks:
              - id: ingest
                type: ml.ingest
                config: {path: "{{ params.file }}", source: csv}
              - id: split
                type: ml.split
                depends_on: [ingest]
                config: {dataset: "{{ tasks.ingest.output.dataset }}", method: stratified, stratify_column: tier, seed: 3}
              - id: prep_churn
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
              - id: prep_tier
                type: ml.preprocess
                depends_on: [split]
                config:
                  label: tier
                  numeric: [age, income]
                  categorical: [region]
                  boolean: [premium]
                  train: "{{ tasks.split.output.train }}"
                  validation: "{{ tasks.split.output.validation }}"
                  test: "{{ tasks.split.output.test }}"
              - id: train_churn
                type: ml.train
                depends_on: [prep_churn]
                config:
                  label: churned
                  algorithm: logistic_regression
                  train: "{{ tasks.prep_churn.output.train }}"
                  validation: "{{ tasks.prep_churn.output.validation }}"
                  transform: "{{ tasks.prep_churn.output.transform }}"
              - id: train_tier
                type: ml.train
                depends_on: [prep_tier]
                config:
                  label: tier
                  problem: multiclass
                  rounds: 15
                  threads: 1
                  train: "{{ tasks.prep_tier.output.train }}"
                  validation: "{{ tasks.prep_tier.output.validation }}"
                  transform: "{{ tasks.prep_tier.output.transform }}"
              - id: deploy_churn
                type: ml.deploy
                depends_on: [train_churn]
                config: {model_name: churn, bundle: "{{ tasks.train_churn.output.bundle }}"}
              - id: deploy_tier
                type: ml.deploy
                depends_on: [train_tier]
                config: {model_name: tier, bundle: "{{ tasks.train_tier.output.bundle }}"}
              - id: score_churn
                type: ml.predict
                depends_on: [deploy_churn]
                config:
                  model_name: churn
                  dataset: "{{ tasks.split.output.test }}"
                  keep_columns: [customer_id, region]
              - id: score_tier
                type: ml.predict
                depends_on: [deploy_tier]
                config:
                  model_name: tier
                  version: 1
                  dataset: "{{ tasks.split.output.test }}"
                  keep_columns: [customer_id]
            """;

    private EngineHarness h;
    private Engine engine;
    private Path dir;
    private LocalArtifactStore store;
    private PredictionService api;
    private long run;

    @BeforeAll
    void trainDeployAndScore() throws Exception {
        h = new EngineHarness();
        engine = h.engine();
        store = LocalArtifactStore.inHome(h.home);
        api = new PredictionService(new ModelRegistry(h.db.dataSource()), store, h.db.dataSource(), 0, new Random(1));
        dir = Files.createTempDirectory("sluice-predict");
        Path csv = customers(dir.resolve("customers.csv"), 3000, 11);
        save(DAG);
        run = h.trigger(engine, "nightly_scoring", Map.of("file", csv.toString()));
        assertThat(h.awaitRun(run, Duration.ofSeconds(120)))
                .as("run: %s", h.taskStates(run))
                .isEqualTo(RunState.SUCCESS);
    }

    @AfterAll
    void stop() {
        h.close();
    }

    @Test
    void binary_predictions_equal_the_predict_apis_bit_for_bit_with_the_kept_columns() throws Exception {
        Map<String, Object> out = output(run, "score_churn");
        String test = (String) output(run, "split").get("test");
        assertThat(out)
                .containsEntry("model_name", "churn")
                .containsEntry("version", 1)
                .containsEntry("problem", "classification")
                .containsEntry("rows", ((Number) output(run, "split").get("test_rows")).intValue());
        assertThat(out.get("columns")).isEqualTo(List.of("customer_id", "region", "prediction", "probability"));
        // Kept columns and a boolean label keep their types.
        assertThat(types((String) out.get("predictions")))
                .containsExactly(
                        Map.entry("customer_id", "BIGINT"),
                        Map.entry("region", "VARCHAR"),
                        Map.entry("prediction", "BOOLEAN"),
                        Map.entry("probability", "DOUBLE"));

        List<Map<String, Object>> source = rows(test);
        List<Map<String, Object>> scored = rows((String) out.get("predictions"));
        PredictionResult answer = api.predict("churn", "champion", inputs(source));
        assertThat(answer.problem()).isEqualTo(Problem.CLASSIFICATION);
        assertThat(scored).hasSize(source.size());
        int positives = 0;
        for (int i = 0; i < source.size(); i++) {
            Prediction p = answer.predictions().get(i);
            Map<String, Object> row = scored.get(i);
            assertThat(row.get("customer_id"))
                    .as("row %d", i)
                    .isEqualTo(source.get(i).get("customer_id"));
            assertThat(row.get("region"))
                    .as("row %d", i)
                    .isEqualTo(source.get(i).get("region"));
            assertThat(row.get("prediction"))
                    .as("row %d", i)
                    .isInstanceOf(Boolean.class)
                    .isEqualTo(p.label());
            // ==, not a tolerance: the same bits.
            assertThat((double) row.get("probability") == p.probability())
                    .as("row %d: %s vs %s", i, row.get("probability"), p.probability())
                    .isTrue();
            if (Boolean.TRUE.equals(row.get("prediction"))) positives++;
        }
        assertThat(positives).as("both classes predicted").isBetween(1, source.size() - 1);
        assertThat(h.log(run, "score_churn")).contains("scored " + String.format("%,d", source.size()) + " rows");
    }

    @Test
    void multiclass_predictions_and_every_class_probability_equal_the_predict_apis() throws Exception {
        Map<String, Object> out = output(run, "score_tier");
        assertThat(out).containsEntry("problem", "multiclass").containsEntry("version", 1);
        assertThat(out.get("columns"))
                .isEqualTo(List.of("customer_id", "prediction", "probability_1", "probability_2", "probability_3"));
        // Numeric classes stay numbers: whole ones as BIGINT, as the API answers them.
        assertThat(types((String) out.get("predictions"))).containsEntry("prediction", "BIGINT");

        List<Map<String, Object>> source = rows((String) output(run, "split").get("test"));
        List<Map<String, Object>> scored = rows((String) out.get("predictions"));
        PredictionResult answer = api.predict("tier", "1", inputs(source));
        assertThat(scored).hasSize(source.size());
        for (int i = 0; i < source.size(); i++) {
            Prediction p = answer.predictions().get(i);
            Map<String, Object> row = scored.get(i);
            assertThat(row.get("customer_id")).isEqualTo(source.get(i).get("customer_id"));
            assertThat(row.get("prediction")).as("row %d", i).isEqualTo(p.label());
            for (var c : p.probabilities().entrySet()) {
                assertThat((double) row.get("probability_" + c.getKey()) == c.getValue())
                        .as("row %d, class %s: %s vs %s", i, c.getKey(), row.get("probability_" + c.getKey()), c)
                        .isTrue();
            }
        }
        assertThat(scored.stream().map(r -> r.get("prediction")).distinct())
                .as("more than one class predicted")
                .hasSizeGreaterThan(1);
    }

    @Test
    void a_csv_file_path_scores_to_the_very_same_artifact_as_the_dataset_it_was_written_from() throws Exception {
        String test = (String) output(run, "split").get("test");
        Path csv = dir.resolve("todays_customers.csv");
        try (DuckDb db = DuckDb.open(Files.createTempDirectory(dir, "duck"), "256MB", 1)) {
            db.exec("COPY (SELECT * FROM " + DuckDb.parquet(store.localPath(test)) + ") TO "
                    + DuckDb.literal(csv.toString()) + " (HEADER)");
        }
        save("""
                id: score_file
                tasks:
                  - id: score
                    type: ml.predict
                    config: {model_name: churn, dataset: "%s", keep_columns: [customer_id, region]}
                """.formatted(csv));
        long r = h.trigger(engine, "score_file", Map.of());
        assertThat(h.awaitRun(r, Duration.ofSeconds(60)))
                .as(h.error(r, "score"))
                .isEqualTo(RunState.SUCCESS);
        // Same rows, same types once read back, same model: the same Parquet bytes.
        assertThat(output(r, "score").get("predictions"))
                .isEqualTo(output(run, "score_churn").get("predictions"));
    }

    @Test
    void the_batch_size_changes_no_bit_of_the_output() throws Exception {
        String bundle = (String) output(run, "train_tier").get("bundle");
        String test = (String) output(run, "split").get("test");
        LoadedModel model = LoadedModel.load(store, bundle);
        List<List<Map<String, Object>>> outputs = new ArrayList<>();
        for (int batch : new int[] {1, 97, BatchScorer.BATCH_ROWS}) {
            var ctx = TestTaskContext.task("score").home(h.home).build();
            try (DuckDb db = DuckDb.open(Files.createTempDirectory(dir, "duck"), "256MB", 2)) {
                BatchScorer.Result r = new BatchScorer(model, batch)
                        .score(ctx, store, db, DuckDb.parquet(store.localPath(test)), List.of("customer_id"));
                outputs.add(read(DuckDb.parquet(r.parquet())));
            }
        }
        assertThat(outputs.get(0)).hasSizeGreaterThan(97 * 3);
        assertThat(outputs.get(1)).isEqualTo(outputs.get(0));
        assertThat(outputs.get(2)).isEqualTo(outputs.get(0));
    }

    @Test
    void config_errors_are_refused_before_a_run_naming_the_field() {
        PredictTask t = new PredictTask();
        assertThat(t.validate(Map.of("model_name", "churn", "alias", "staging", "version", 2)))
                .anySatisfy(e -> assertThat(e).contains("alias and version"));
        assertThat(t.validate(Map.of("model_name", "churn", "alias", "v2")))
                .anySatisfy(e -> assertThat(e).contains("alias: \"v2\"").contains("set version"));
        assertThat(t.validate(Map.of("model_name", "churn", "version", 0)))
                .anySatisfy(e -> assertThat(e).startsWith("version:"));
        assertThat(t.validate(Map.of("model_name", "churn", "dataset", "customers.xlsx")))
                .anySatisfy(e -> assertThat(e).startsWith("dataset:"));
        assertThat(t.validate(Map.of("model_name", "churn", "keep_columns", List.of("id", "Prediction"))))
                .anySatisfy(e -> assertThat(e).contains("keep_columns: \"Prediction\""));
        assertThat(t.validate(Map.of("model_name", "churn", "keep_columns", List.of("id", "id"))))
                .anySatisfy(e -> assertThat(e).contains("listed twice"));
        assertThat(t.validate(Map.of("model_name", "churn", "batch_rows", 0)))
                .anySatisfy(e -> assertThat(e).startsWith("batch_rows:"));
        assertThat(t.validate(Map.of("model_name", "churn", "cache", true)))
                .anySatisfy(e -> assertThat(e).contains("cache:").contains("set version"));
        assertThat(t.validate(Map.of(
                        "model_name",
                        "churn",
                        "version",
                        "{{ params.v }}",
                        "dataset",
                        "{{ tasks.split.output.test }}",
                        "keep_columns",
                        List.of("customer_id"))))
                .isEmpty();
        // The DAG parser applies the same checks, so `sluice dags validate` names them with the file.
        assertThatThrownBy(() -> new YamlDagParser(h.types).parse("""
                                id: bad_scoring
                                tasks:
                                  - id: score
                                    type: ml.predict
                                    config: {model_name: churn, alias: staging, version: 2}
                                """, "bad_scoring.yaml"))
                .hasMessageContaining("bad_scoring.yaml")
                .hasMessageContaining("alias and version");
    }

    @Test
    void a_missing_kept_column_input_column_wrong_type_or_unknown_version_fails_naming_it() throws Exception {
        String test = (String) output(run, "split").get("test");
        assertThat(failure("keep_columns: [customer_id, nope]", "dataset: \"" + test + "\""))
                .contains("keep_columns: the dataset has no column \"nope\"")
                .contains("customer_id");
        assertThat(failure("version: 99", "dataset: \"" + test + "\""))
                .contains("version: model churn has no version 99");

        Path noAge = dir.resolve("no_age.parquet");
        Path textRegion = dir.resolve("numeric_region.parquet");
        try (DuckDb db = DuckDb.open(Files.createTempDirectory(dir, "duck"), "256MB", 1)) {
            String src = DuckDb.parquet(store.localPath(test));
            db.exec("COPY (SELECT * EXCLUDE (age) FROM " + src + ") TO " + DuckDb.literal(noAge.toString()));
            db.exec("COPY (SELECT * REPLACE (length(region)::DOUBLE AS region) FROM " + src + ") TO "
                    + DuckDb.literal(textRegion.toString()));
        }
        assertThat(failure("", "dataset: " + noAge))
                .contains("the dataset has no column \"age\", an input of the model");
        assertThat(failure("", "dataset: " + textRegion))
                .contains("column region is DOUBLE in the dataset but the model takes a string");
    }

    @Test
    void a_row_the_api_would_refuse_fails_the_task_naming_the_row_and_column() throws Exception {
        String test = (String) output(run, "split").get("test");
        Path nan = dir.resolve("nan_income.parquet");
        Path premiumText = dir.resolve("premium_text.csv");
        try (DuckDb db = DuckDb.open(Files.createTempDirectory(dir, "duck"), "256MB", 1)) {
            String src = DuckDb.parquet(store.localPath(test));
            db.exec("COPY (SELECT * REPLACE (CASE WHEN row_number() OVER () = 6 THEN 'nan'::DOUBLE ELSE income END"
                    + " AS income) FROM " + src + ") TO " + DuckDb.literal(nan.toString()));
            // Texts DuckDB would read as booleans are fine (the API takes them too); "maybe" is not.
            db.exec("COPY (SELECT * REPLACE (CASE WHEN row_number() OVER () = 3 THEN 'maybe' WHEN premium THEN 'yes'"
                    + " ELSE 'no' END AS premium) FROM " + src + ") TO " + DuckDb.literal(premiumText.toString())
                    + " (HEADER)");
        }
        assertThat(failure("", "dataset: " + nan)).contains("row 5, column income: NaN");
        assertThat(failure("", "dataset: " + premiumText))
                .contains("row 2, column premium: expected a boolean")
                .contains("\"maybe\"");
    }

    /** Runs a one-task DAG scoring with the churn model; returns the task's error. */
    private String failure(String extraConfig, String datasetConfig) throws Exception {
        String id = "scoring_fails_" + Math.abs(extraConfig.hashCode() ^ datasetConfig.hashCode());
        StringBuilder cfg = new StringBuilder("      model_name: churn\n      " + datasetConfig + "\n");
        if (!extraConfig.isBlank()) cfg.append("      ").append(extraConfig).append('\n');
        save("id: " + id + "\ntasks:\n  - id: score\n    type: ml.predict\n    config:\n" + cfg);
        long r = h.trigger(engine, id, Map.of());
        assertThat(h.awaitRun(r, Duration.ofSeconds(60))).isEqualTo(RunState.FAILED);
        return h.error(r, "score");
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

    /** A dataset artifact's rows as JDBC gives them (a BIGINT as a Long), so types are compared too. */
    private List<Map<String, Object>> rows(String ref) throws Exception {
        return read(DuckDb.parquet(store.localPath(ref)));
    }

    /** A Parquet file's rows with the values JDBC gives (a BIGINT as a Long), to compare types as well. */
    private List<Map<String, Object>> read(String relation) throws Exception {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (DuckDb db = DuckDb.open(Files.createTempDirectory(dir, "duck"), "256MB", 1);
                Statement s = db.connection().createStatement();
                ResultSet r = s.executeQuery("SELECT * FROM " + relation)) {
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

    /** The rows as a caller of the predict API sends them: the model's input columns only. */
    private static List<Map<String, Object>> inputs(List<Map<String, Object>> rows) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> r : rows) {
            Map<String, Object> in = new LinkedHashMap<>();
            for (String c : List.of("age", "income", "region", "premium")) in.put(c, r.get(c));
            out.add(in);
        }
        return out;
    }

    /**
     * Customers: an id, age, income (2 % missing), region, a premium flag written yes/no (read as a boolean), and two
     * labels that depend on them: churned (true/false) and tier (1, 2, 3).
     */
    static Path customers(Path file, int n, long seed) throws Exception {
        Random r = new Random(seed);
        String[] regions = {"north", "south", "east", "west"};
        StringBuilder csv = new StringBuilder("customer_id,age,income,region,premium,churned,tier\n");
        for (int i = 0; i < n; i++) {
            int age = 18 + r.nextInt(60);
            double income = Math.round((20_000 + r.nextGaussian() * 8_000 + age * 600) * 100) / 100.0;
            String region = regions[r.nextInt(regions.length)];
            boolean premium = r.nextDouble() < 0.3;
            double z = -1.5
                    + (age - 45) * 0.04
                    + (premium ? -1.0 : 0.5)
                    + (region.equals("south") ? 0.8 : 0)
                    + r.nextGaussian() * 0.7;
            boolean churned = z > 0;
            int tier = income + r.nextGaussian() * 6_000 > 52_000 ? 3 : income > 38_000 ? 2 : 1;
            csv.append(1_000_000_000_000L + i * 7L)
                    .append(',')
                    .append(age)
                    .append(',')
                    .append(r.nextDouble() < 0.02 ? "" : Double.toString(income))
                    .append(',')
                    .append(region)
                    .append(',')
                    .append(premium ? "yes" : "no")
                    .append(',')
                    .append(churned)
                    .append(',')
                    .append(tier)
                    .append('\n');
        }
        Files.writeString(file, csv);
        return file;
    }
}
