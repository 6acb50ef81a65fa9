package dev.sluice.ml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.sluice.ml.artifact.LocalArtifactStore;
import dev.sluice.ml.data.DuckDb;
import dev.sluice.ml.data.Rows;
import dev.sluice.ml.model.ClassProbabilities;
import dev.sluice.ml.model.LoadedModel;
import dev.sluice.ml.model.Problem;
import dev.sluice.ml.registry.ModelRegistry;
import dev.sluice.ml.registry.ModelVersion;
import dev.sluice.ml.serving.Prediction;
import dev.sluice.ml.serving.PredictionResult;
import dev.sluice.ml.serving.PredictionService;
import dev.sluice.ml.task.DeployTask;
import dev.sluice.ml.task.EvaluateTask;
import dev.sluice.ml.task.IngestTask;
import dev.sluice.ml.task.PreprocessTask;
import dev.sluice.ml.task.SplitTask;
import dev.sluice.ml.task.TrainTask;
import dev.sluice.task.TaskFailedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Multi-class end to end on the real UCI Adult training file: predict a person's marital status, grouped into four
 * classes, from the other census columns. ingest → split → preprocess → train → evaluate (gate) → deploy, then
 * serving. Ordered: later tests build on the registry state of earlier ones.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MulticlassPipelineTest {
    static final String MODEL = "adult_marital_status";
    static final List<String> CLASSES = List.of("divorced_or_separated", "married", "never_married", "widowed");
    /**
     * The label from the real marital_status column; "Married-spouse-absent" (1 % of rows) goes with the couples
     * living apart. relationship is dropped: Husband/Wife would give "married" away and leave nothing to learn.
     */
    static final String SQL = """
            SELECT * EXCLUDE (marital_status, relationship) REPLACE (rtrim(income, '.') AS income),
                   CASE WHEN marital_status IN ('Married-civ-spouse', 'Married-AF-spouse') THEN 'married'
                        WHEN marital_status = 'Never-married' THEN 'never_married'
                        WHEN marital_status = 'Widowed' THEN 'widowed'
                        ELSE 'divorced_or_separated' END AS marital_group
            FROM input""";

    private AdultPipeline p;
    private LocalArtifactStore store;
    private ModelRegistry registry;

    @BeforeAll
    void runPipeline() throws Exception {
        Path home = Files.createTempDirectory("sluice-ml-multiclass");
        p = new AdultPipeline(home, TestDb.dataSource());
        store = LocalArtifactStore.inHome(home);
        registry = new ModelRegistry(p.ds);
        Map<String, Object> ingest = new LinkedHashMap<>(
                AdultData.ingest("adult-train.csv", home).build().config());
        ingest.put("sql", SQL);
        p.run(new IngestTask(), "ingest", ingest);
        p.run(
                new SplitTask(),
                "split",
                Map.of("method", "stratified", "stratify_column", "marital_group", "seed", 7),
                "ingest");
        p.run(new PreprocessTask(), "preprocess", Map.of("label", "marital_group", "scaling", "standard"), "split");
        train("train", Map.of());
        evaluate(
                "evaluate",
                "train",
                Map.of("min", Map.of("accuracy", 0.6, "f1_macro", 0.5), "max", Map.of("log_loss", 0.8)));
        p.run(
                new DeployTask(),
                "deploy",
                Map.of("model_name", MODEL, "description", "UCI Adult, marital status in four groups"),
                "evaluate");
    }

    private Map<String, Object> train(String id, Map<String, Object> extra) throws Exception {
        Map<String, Object> cfg = new LinkedHashMap<>(
                Map.of("label", "marital_group", "problem", "multiclass", "rounds", 60, "threads", 2));
        cfg.putAll(extra);
        return p.run(new TrainTask(), id, cfg, "preprocess");
    }

    private Map<String, Object> evaluate(String id, String trainId, Map<String, Object> extra) throws Exception {
        Map<String, Object> cfg =
                new LinkedHashMap<>(Map.of("dataset", p.outputs.get("split").get("test"), "model_name", MODEL));
        cfg.putAll(extra);
        return p.run(new EvaluateTask(), id, cfg, trainId);
    }

    @Test
    @Order(1)
    @SuppressWarnings("unchecked")
    void the_model_beats_the_majority_class_by_far_and_its_confusion_matrix_counts_every_test_row() throws Exception {
        long testRows = (long) p.outputs.get("split").get("test_rows");
        Map<String, Long> counts = classCounts((String) p.outputs.get("split").get("test"));
        double majorityRate = (double) counts.values().stream()
                        .mapToLong(Long::longValue)
                        .max()
                        .orElseThrow()
                / testRows;

        Map<String, Object> metrics =
                (Map<String, Object>) p.outputs.get("evaluate").get("metrics");
        double accuracy = (double) metrics.get("accuracy");
        System.out.printf(
                "multiclass test rows %d, classes %s, majority rate %.4f, accuracy %.4f, f1_macro %.4f, roc_auc_ovr %.4f, log_loss %.4f%n",
                testRows,
                counts,
                majorityRate,
                accuracy,
                metrics.get("f1_macro"),
                metrics.get("roc_auc_ovr"),
                metrics.get("log_loss"));
        assertThat(counts.keySet()).containsExactlyElementsOf(CLASSES);
        assertThat(accuracy).isGreaterThan(majorityRate + 0.15);
        assertThat((double) metrics.get("roc_auc_ovr")).isGreaterThan(0.85);
        assertThat((double) metrics.get("f1_macro")).isGreaterThan(0.5);

        Map<String, Object> confusion = (Map<String, Object>) metrics.get("confusion_matrix");
        assertThat(confusion.get("labels")).isEqualTo(CLASSES);
        List<List<Number>> matrix = (List<List<Number>>) confusion.get("matrix");
        assertThat(matrix).hasSize(4).allSatisfy(row -> assertThat(row).hasSize(4));
        assertThat(matrix.stream()
                        .flatMap(List::stream)
                        .mapToLong(Number::longValue)
                        .sum())
                .isEqualTo(testRows);
        for (int c = 0; c < CLASSES.size(); c++) {
            // Each row of the matrix is one actual class: its sum is that class's count in the test split.
            assertThat(matrix.get(c).stream().mapToLong(Number::longValue).sum())
                    .isEqualTo(counts.get(CLASSES.get(c)));
        }
        assertThat(metrics.get("rows")).isEqualTo((int) testRows);
    }

    @Test
    @Order(2)
    void the_registry_knows_the_version_as_multiclass_with_its_classes() {
        assertThat(p.outputs.get("train").get("classes")).isEqualTo(CLASSES);
        ModelVersion v = registry.byAlias(MODEL, ModelRegistry.CHAMPION).orElseThrow();
        assertThat(v.version()).isEqualTo(1);
        assertThat(v.problem()).isEqualTo("multiclass");
        assertThat(v.classes()).isEqualTo(CLASSES);
        assertThat(v.metrics())
                .containsKeys("accuracy", "f1_macro", "f1_weighted", "roc_auc_ovr", "log_loss", "confusion_matrix");
        assertThat(v.inputSchema())
                .containsKeys("age", "income")
                .doesNotContainKeys("marital_group", "marital_status", "relationship");
    }

    @Test
    @Order(3)
    void served_predictions_are_class_labels_with_probabilities_summing_to_one_and_equal_batch_scores()
            throws Exception {
        ModelVersion v = registry.byAlias(MODEL, ModelRegistry.CHAMPION).orElseThrow();
        LoadedModel model = LoadedModel.load(store, v.bundleRef());
        List<Map<String, Object>> raw = readRows((String) p.outputs.get("split").get("test"), 500);
        List<Map<String, Object>> transformed =
                readRows((String) p.outputs.get("preprocess").get("test"), 500);
        ClassProbabilities batch = model.classProbabilities(model.scoreTransformed(transformed));

        List<String> actual = new ArrayList<>();
        for (Map<String, Object> r : raw) actual.add((String) r.remove("marital_group"));
        PredictionResult online =
                new PredictionService(registry, store, p.ds, 0.0, new Random(1)).predict(MODEL, "champion", raw);

        assertThat(online.problem()).isEqualTo(Problem.MULTICLASS);
        assertThat(online.predictions()).hasSize(raw.size());
        int correct = 0;
        for (int i = 0; i < raw.size(); i++) {
            Prediction pr = online.predictions().get(i);
            assertThat(pr.probabilities().keySet()).as("row %d", i).containsExactlyElementsOf(CLASSES);
            assertThat(pr.probabilities().values().stream()
                            .mapToDouble(Double::doubleValue)
                            .sum())
                    .as("row %d", i)
                    .isCloseTo(1.0, within(1e-6));
            assertThat(pr.label()).isEqualTo(CLASSES.get(batch.predicted(i)));
            assertThat(pr.probability()).isEqualTo(pr.probabilities().get(pr.label()));
            for (int c = 0; c < CLASSES.size(); c++) {
                // Identical float features go in; the batch path only went through Parquet doubles in between.
                assertThat(pr.probabilities().get(CLASSES.get(c)))
                        .as("row %d class %d", i, c)
                        .isCloseTo(batch.get(i, c), within(1e-6));
            }
            if (pr.label().equals(actual.get(i))) correct++;
        }
        assertThat(correct).isGreaterThan(raw.size() / 2);
    }

    @Test
    @Order(4)
    void multiclass_training_is_reproducible_to_the_byte() throws Exception {
        Map<String, Object> again = train("train_again", Map.of());
        assertThat(again.get("model")).isEqualTo(p.outputs.get("train").get("model"));
        assertThat(again.get("bundle")).isEqualTo(p.outputs.get("train").get("bundle"));
        assertThat(Files.readAllBytes(store.localPath((String) again.get("model"))))
                .isEqualTo(Files.readAllBytes(
                        store.localPath((String) p.outputs.get("train").get("model"))));
        Map<String, Object> otherSeed = train("train_seed", Map.of("seed", 43, "params", Map.of("subsample", 0.8)));
        assertThat(otherSeed.get("model")).isNotEqualTo(p.outputs.get("train").get("model"));
    }

    @Test
    @Order(5)
    void a_weaker_challenger_fails_the_gate_on_the_default_multiclass_metric() throws Exception {
        train("train_weak", Map.of("rounds", 2, "params", Map.of("max_depth", 1)));
        assertThatThrownBy(() -> evaluate("evaluate_weak", "train_weak", Map.of()))
                .isInstanceOf(TaskFailedException.class)
                .hasMessageContaining("evaluation gate failed: champion roc_auc_ovr")
                .hasMessageContaining("report sha256:");
        // A loss compares the other way round: smaller is better.
        assertThatThrownBy(() -> evaluate("evaluate_weak_loss", "train_weak", Map.of("champion_metric", "log_loss")))
                .hasMessageContaining("evaluation gate failed: champion log_loss");
        // Thresholds take the multiclass metric names.
        assertThatThrownBy(() -> evaluate(
                        "evaluate_weak_min", "train_weak", Map.of("model_name", "", "min", Map.of("f1_macro", 0.6))))
                .hasMessageContaining("evaluation gate failed: min f1_macro");
        assertThat(registry.versions(MODEL)).hasSize(1);

        // The same model again passes: at least as good as itself.
        evaluate("evaluate_same", "train_again", Map.of("champion_metric", "f1_weighted"));
    }

    @Test
    @Order(6)
    void bad_configs_are_refused_naming_the_fields() {
        TrainTask type = new TrainTask();
        assertThat(type.validate(
                        Map.of("label", "marital_group", "problem", "multiclass", "algorithm", "logistic_regression")))
                .singleElement()
                .asString()
                .contains("algorithm: logistic_regression")
                .contains("problem: multiclass");
        assertThat(type.validate(
                        Map.of("label", "marital_group", "problem", "multiclass", "positive_class", "married")))
                .singleElement()
                .asString()
                .contains("positive_class")
                .contains("problem: multiclass");
        assertThat(type.validate(Map.of("label", "marital_group", "problem", "multi")))
                .singleElement()
                .asString()
                .contains("problem must be one of classification, multiclass, regression");
        assertThatThrownBy(() -> train("train_lr", Map.of("algorithm", "logistic_regression")))
                .isInstanceOf(TaskFailedException.class)
                .hasMessageContaining(
                        "invalid ml.train config: algorithm: logistic_regression is binary only and cannot train problem: multiclass");
        assertThatThrownBy(() -> train("train_many", Map.of("max_classes", 3)))
                .hasMessageContaining("label marital_group has more than max_classes (3) distinct values");
    }

    @Test
    @Order(7)
    void a_label_value_the_model_never_saw_stops_the_evaluation_naming_it() throws Exception {
        // adult.test with the ungrouped marital status: "Divorced" etc. are no class of the model.
        Map<String, Object> ingest = new LinkedHashMap<>(
                AdultData.ingest("adult-test.csv", p.home).build().config());
        ingest.put(
                "sql",
                "SELECT * EXCLUDE (relationship, marital_status), marital_status AS marital_group FROM input LIMIT 300");
        Map<String, Object> ungrouped = p.run(new IngestTask(), "ingest_ungrouped", ingest);
        assertThatThrownBy(() -> evaluate(
                        "evaluate_ungrouped", "train", Map.of("dataset", ungrouped.get("dataset"), "model_name", "")))
                .isInstanceOf(TaskFailedException.class)
                .hasMessageContaining("label marital_group has value")
                .hasMessageContaining("which is not one of the 4 classes in the training split " + CLASSES);
    }

    private Map<String, Long> classCounts(String ref) throws Exception {
        Map<String, Long> counts = new LinkedHashMap<>();
        try (DuckDb db = DuckDb.open(p.home, "256MB", 1)) {
            Rows.forEach(
                    db,
                    "(SELECT marital_group, count(*) AS n FROM " + DuckDb.parquet(store.localPath(ref))
                            + " GROUP BY 1 ORDER BY 1)",
                    r -> counts.put((String) r.get("marital_group"), ((Number) r.get("n")).longValue()));
        }
        return counts;
    }

    private List<Map<String, Object>> readRows(String ref, int limit) throws Exception {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (DuckDb db = DuckDb.open(p.home, "256MB", 1)) {
            Rows.forEach(
                    db, "(SELECT * FROM " + DuckDb.parquet(store.localPath(ref)) + " LIMIT " + limit + ")", rows::add);
        }
        return rows;
    }
}
