package dev.sluice.ml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.ml.artifact.ArtifactKind;
import dev.sluice.ml.artifact.LocalArtifactStore;
import dev.sluice.ml.drift.PredictionDrift;
import dev.sluice.ml.model.LoadedModel;
import dev.sluice.ml.model.ModelBundle;
import dev.sluice.ml.registry.ModelRegistry;
import dev.sluice.ml.registry.ModelVersion;
import dev.sluice.ml.serving.InvalidInputException;
import dev.sluice.ml.serving.Prediction;
import dev.sluice.ml.serving.PredictionService;
import dev.sluice.ml.task.DeployTask;
import dev.sluice.ml.task.EvaluateTask;
import dev.sluice.ml.task.IngestTask;
import dev.sluice.ml.task.PreprocessTask;
import dev.sluice.ml.task.SplitTask;
import dev.sluice.ml.task.TrainTask;
import dev.sluice.ml.transform.FittedTransform;
import dev.sluice.task.TaskType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A dataset unlike UCI Adult, generated here: a yes/no column DuckDB infers as boolean, a date column and a
 * good/bad label. Every input column either becomes features or is named as dropped, a caller may post the rows
 * as the data has them, and predictions and reports use the data's own labels; ingest → split → preprocess → train
 * → evaluate → deploy → serving against real PostgreSQL.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DataLabelsPipelineTest {
    private static final String MODEL = "credit_risk";
    private Path home;
    private DataSource ds;
    private LocalArtifactStore store;
    private ModelRegistry registry;
    private final Map<String, Map<String, Object>> outputs = new LinkedHashMap<>();
    private final Map<String, TestTaskContext> contexts = new LinkedHashMap<>();

    @BeforeAll
    void runPipeline() throws Exception {
        home = Files.createTempDirectory("sluice-ml-labels");
        ds = TestDb.dataSource();
        store = LocalArtifactStore.inHome(home);
        registry = new ModelRegistry(ds);
        Path csv = home.resolve("credit.csv");
        Files.writeString(csv, creditCsv(600, 11, "risk", "good", "bad"));
        run(new IngestTask(), "ingest", Map.of("path", csv.toString()));
        run(
                new SplitTask(),
                "split",
                Map.of("method", "stratified", "stratify_column", "risk", "seed", 3, "validation_ratio", 0),
                "ingest");
        run(new PreprocessTask(), "preprocess", Map.of("label", "risk"), "split");
        run(
                new TrainTask(),
                "train",
                Map.of("label", "risk", "positive_class", "bad", "rounds", 30, "threads", 1),
                "preprocess");
        run(
                new EvaluateTask(),
                "evaluate",
                Map.of("dataset", outputs.get("split").get("test"), "min", Map.of("roc_auc", 0.8)),
                "train");
        run(new DeployTask(), "deploy", Map.of("model_name", MODEL), "evaluate");
    }

    @Test
    void the_yes_no_column_is_a_feature_and_in_the_input_schema() throws Exception {
        @SuppressWarnings("unchecked")
        Map<String, Object> columns =
                (Map<String, Object>) outputs.get("ingest").get("columns");
        assertThat(columns).containsEntry("member", "boolean").containsEntry("signup", "timestamp");

        ModelBundle bundle = bundle();
        assertThat(bundle.features()).contains("member", "tenure", "plan=basic");
        assertThat(bundle.inputSchema().column("member").orElseThrow().type().lower())
                .isEqualTo("boolean");
        ModelVersion v = registry.byAlias(MODEL, ModelRegistry.CHAMPION).orElseThrow();
        assertThat(v.inputSchema())
                .containsEntry("member", "boolean")
                .containsEntry("tenure", "number")
                .containsEntry("plan", "string")
                .doesNotContainKeys("risk", "signup");
    }

    @Test
    void the_date_column_is_dropped_by_name_with_the_reason_in_the_output_the_log_and_the_registry() throws Exception {
        Map<String, Object> out = outputs.get("preprocess");
        assertThat(out.get("dropped_columns")).asList().singleElement().satisfies(d -> {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) d;
            assertThat(m).containsEntry("column", "signup").containsEntry("type", "timestamp");
            assertThat((String) m.get("reason")).contains("passthrough").contains("date_parts");
        });
        assertThat(contexts.get("preprocess").logText()).contains("column signup (timestamp) is not a feature");
        FittedTransform t = FittedTransform.load(store.localPath((String) out.get("transform")));
        assertThat(t.droppedNames()).containsExactly("signup");
        assertThat(registry.byAlias(MODEL, ModelRegistry.CHAMPION)
                        .orElseThrow()
                        .details()
                        .get("dropped_columns")
                        .toString())
                .contains("signup");
    }

    @Test
    void a_complete_row_as_the_data_has_it_is_predicted_with_the_data_s_labels() {
        PredictionService service = new PredictionService(registry, store, ds, 0.0, new Random(1));
        // Exactly the CSV's columns less the label: "yes"/"no" as the file has them, the date as text.
        List<Map<String, Object>> rows =
                List.of(row(3, "basic", "no", "2024-03-01"), row(50, "premium", "yes", "2024-03-01"));
        List<Prediction> p = service.predict(MODEL, "champion", rows).predictions();
        assertThat(p).extracting(Prediction::label).containsExactly("bad", "good");

        // JSON true/false mean the same as the data's yes/no, and the boolean changes the answer.
        List<Prediction> typed = service.predict(
                        MODEL,
                        "champion",
                        List.of(
                                row(20, "basic", false, null),
                                row(20, "basic", true, null),
                                row(20, "basic", "No", null),
                                row(20, "basic", "YES", null)))
                .predictions();
        assertThat(typed.get(0).probability()).isEqualTo(typed.get(2).probability());
        assertThat(typed.get(1).probability()).isEqualTo(typed.get(3).probability());
        assertThat(typed.get(0).probability()).isGreaterThan(typed.get(1).probability() + 0.2);
        assertThat(typed)
                .extracting(Prediction::label)
                .allSatisfy(l -> assertThat(l).isIn("good", "bad"));

        // A value that is no boolean is refused naming the field; a typo is still an unknown field.
        assertThatThrownBy(() -> service.predict(MODEL, "champion", List.of(row(20, "basic", "maybe", null))))
                .isInstanceOfSatisfying(
                        InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("member"))
                .hasMessageContaining("expected a boolean");
        Map<String, Object> typo = row(20, "basic", true, null);
        typo.put("signup_date", "2024-01-01");
        assertThatThrownBy(() -> service.predict(MODEL, "champion", List.of(typo)))
                .isInstanceOfSatisfying(
                        InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("signup_date"));
    }

    @Test
    void drift_reads_booleans_served_as_the_data_s_texts() throws Exception {
        PredictionService service = new PredictionService(registry, store, ds, 1.0, new Random(2));
        Instant since = Instant.now();
        List<Map<String, Object>> rows = new ArrayList<>();
        // Every spelling serving accepts; DuckDB's JSON reader alone would refuse "N" and "0".
        List<Object> members = List.of("yes", "N", true, "0");
        for (int i = 0; i < 40; i++)
            rows.add(row(1 + i, i % 3 == 0 ? "premium" : "basic", members.get(i % 4), "2024-05-01"));
        service.predict(MODEL, "champion", rows);
        PredictionDrift.Report r = new PredictionDrift(registry, store, ds, home.resolve("tmp"))
                .report(MODEL, "champion", since, 100, 0.2);
        assertThat(r.rows()).isEqualTo(40);
        // Half yes, half no, as in training: the texts were read as the booleans they stand for, not as missing.
        assertThat(r.psi()).containsKey("member");
        assertThat(r.psi().get("member")).isLessThan(0.05);
    }

    @Test
    void training_evaluation_and_the_registry_name_the_classes_as_the_data_does() throws Exception {
        assertThat(outputs.get("train")).containsEntry("positive_class", "bad").containsEntry("negative_class", "good");
        assertThat(bundle().label().negativeClass()).isEqualTo("good");
        assertThat(bundle().format()).isEqualTo(ModelBundle.FORMAT);

        Map<String, Object> confusion = confusion(outputs.get("evaluate"));
        assertThat(confusion.get("labels")).isEqualTo(List.of("bad", "good"));
        assertThat(confusion.get("matrix"))
                .isEqualTo(List.of(
                        List.of(confusion.get("tp"), confusion.get("fn")),
                        List.of(confusion.get("fp"), confusion.get("tn"))));
        String report = Files.readString(
                store.localPath((String) outputs.get("evaluate").get("report")));
        assertThat(report).contains("\"bad\"", "\"good\"").doesNotContain("not bad");

        ModelVersion v = registry.byAlias(MODEL, ModelRegistry.CHAMPION).orElseThrow();
        assertThat(v.details()).containsEntry("positive_class", "bad").containsEntry("negative_class", "good");
        assertThat(confusion(v.metrics()).get("labels")).isEqualTo(List.of("bad", "good"));
    }

    @Test
    void a_bundle_of_the_previous_format_still_loads_and_serves() throws Exception {
        // What the previous version wrote: format 1, a label without negativeClass / valueType, a transform
        // without dropped columns. Made from this run's artifacts by removing the new fields.
        String bundleJson =
                Files.readString(store.localPath((String) outputs.get("train").get("bundle")));
        Map<String, Object> old =
                Json.MAPPER.readValue(bundleJson, new com.fasterxml.jackson.core.type.TypeReference<>() {});
        old.put("format", 1);
        @SuppressWarnings("unchecked")
        Map<String, Object> label = (Map<String, Object>) old.get("label");
        label.remove("negativeClass");
        label.remove("valueType");
        Map<String, Object> transform =
                Json.readMap(Files.readString(store.localPath((String) old.get("transformRef"))));
        transform.remove("dropped");
        old.put("transformRef", put(transform, ArtifactKind.TRANSFORM));
        String oldRef = put(old, ArtifactKind.BUNDLE);

        LoadedModel loaded = LoadedModel.load(store, oldRef);
        assertThat(loaded.bundle().format()).isEqualTo(1);
        assertThat(loaded.bundle().label().negativeClass()).isNull();
        assertThat(loaded.transform().dropped()).isEmpty();

        ModelVersion v = registry.register(
                "credit_risk_v1_format",
                null,
                oldRef,
                "xgboost",
                "classification",
                loaded.bundle().inputSchema().toMap(),
                Map.of(),
                Map.of());
        PredictionService service = new PredictionService(registry, store, ds, 0.0, new Random(1));
        List<Prediction> p = service.predict(
                        "credit_risk_v1_format",
                        Integer.toString(v.version()),
                        List.of(row(3, "basic", "no", null), row(50, "premium", "yes", null)))
                .predictions();
        // It scores exactly as the new bundle does; only the negative side keeps its old answer: the old bundle
        // does not know the negative class, and guessing one would be inventing it.
        LoadedModel current =
                LoadedModel.load(store, (String) outputs.get("train").get("bundle"));
        double[] scores = current.score(List.of(row(3, "basic", "no", null), row(50, "premium", "yes", null)));
        assertThat(p.get(0).probability()).isEqualTo(scores[0]);
        assertThat(p).extracting(Prediction::label).containsExactly("bad", "not bad");
        // Without the transform's list of dropped columns, the date is unknown to it, as it was before.
        assertThatThrownBy(() -> service.predict(
                        "credit_risk_v1_format",
                        Integer.toString(v.version()),
                        List.of(row(3, "basic", "no", "2024-03-01"))))
                .isInstanceOfSatisfying(
                        InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("signup"));

        // ml.evaluate reads it too, with the counts of the confusion matrix and no invented names.
        Map<String, Object> eval = run(
                new EvaluateTask(),
                "evaluate_v1_format",
                Map.of("bundle", oldRef, "dataset", outputs.get("split").get("test")));
        assertThat(confusion(eval)).containsKeys("tp", "fp", "tn", "fn").doesNotContainKey("labels");
        assertThat(eval.get("metrics").toString()).doesNotContain("not bad");
    }

    @Test
    void boolean_and_numeric_labels_come_back_as_the_data_s_values() throws Exception {
        assertThat(labelsOf("churned", "true", "false", Map.of()))
                .containsOnly(true, false)
                .contains(true, false);
        assertThat(labelsOf("defaulted", "1", "0", Map.of()))
                .containsOnly(1L, 0L)
                .contains(1L, 0L);
        assertThat(labelsOf("grade", "7", "3", Map.of("positive_class", "7")))
                .containsOnly(7L, 3L)
                .contains(7L, 3L);
    }

    @Test
    void a_binary_label_needs_exactly_the_positive_class_and_one_other_in_training() throws Exception {
        assertThatThrownBy(() -> labelsOf("risk", "bad", "good", Map.of("positive_class", "Bad")))
                .hasMessageContaining(
                        "positive_class \"Bad\" is not a value of label risk in the training split, whose values are [bad, good]");
        Path three = home.resolve("three.csv");
        // Every seventh row's label becomes a third value.
        List<String> lines =
                new ArrayList<>(creditCsv(200, 5, "risk", "good", "bad").lines().toList());
        for (int i = 7; i < lines.size(); i += 7)
            lines.set(i, lines.get(i).substring(0, lines.get(i).lastIndexOf(',') + 1) + "fair");
        Files.writeString(three, String.join("\n", lines) + "\n");
        String prefix = "three_";
        Map<String, Object> ingested = run(new IngestTask(), prefix + "ingest", Map.of("path", three.toString()));
        run(new PreprocessTask(), prefix + "preprocess", Map.of("label", "risk", "train", ingested.get("dataset")));
        assertThatThrownBy(() -> run(
                        new TrainTask(),
                        prefix + "train",
                        Map.of("label", "risk", "positive_class", "bad", "rounds", 5),
                        prefix + "preprocess"))
                .hasMessageContaining("label risk has 3 values in the training split [bad, fair, good]")
                .hasMessageContaining("problem: multiclass");
    }

    /** Trains a small model on a label with these two values and returns the labels it serves. */
    private List<Object> labelsOf(String label, String positive, String negative, Map<String, Object> trainConfig)
            throws Exception {
        Path csv = home.resolve(label + ".csv");
        Files.writeString(csv, creditCsv(300, 5, label, negative, positive));
        String prefix = label + "_";
        Map<String, Object> ingested = run(new IngestTask(), prefix + "ingest", Map.of("path", csv.toString()));
        run(new PreprocessTask(), prefix + "preprocess", Map.of("label", label, "train", ingested.get("dataset")));
        Map<String, Object> cfg = new LinkedHashMap<>(Map.of("label", label, "rounds", 30, "threads", 1));
        cfg.putAll(trainConfig);
        run(new TrainTask(), prefix + "train", cfg, prefix + "preprocess");
        run(
                new DeployTask(),
                prefix + "deploy",
                Map.of("model_name", prefix + "model", "metrics", Map.of()),
                prefix + "train");
        PredictionService service = new PredictionService(registry, store, ds, 0.0, new Random(1));
        List<Object> labels = new ArrayList<>();
        for (Prediction p : service.predict(
                        prefix + "model",
                        "champion",
                        List.of(row(3, "basic", "no", null), row(50, "premium", "yes", null)))
                .predictions()) labels.add(p.label());
        return labels;
    }

    /**
     * {@code rows} rows: tenure (months), plan, member (yes/no), signup (a date) and the label, bad mostly for
     * short-tenure non-members. Deterministic for a seed.
     */
    static String creditCsv(int rows, long seed, String label, String good, String bad) {
        Random r = new Random(seed);
        StringBuilder b = new StringBuilder("tenure,plan,member,signup," + label + "\n");
        for (int i = 0; i < rows; i++) {
            int tenure = 1 + r.nextInt(60);
            String plan = r.nextInt(3) == 0 ? "premium" : "basic";
            boolean member = r.nextBoolean();
            double score = (member ? -2.0 : 2.0) + (tenure < 12 ? 0.7 : -0.7) + r.nextGaussian() * 0.8;
            b.append(tenure)
                    .append(',')
                    .append(plan)
                    .append(',')
                    .append(member ? "yes" : "no")
                    .append(',')
                    .append(LocalDate.of(2024, 1, 1).plusDays(i % 300))
                    .append(',')
                    .append(score > 0 ? bad : good)
                    .append('\n');
        }
        return b.toString();
    }

    private static Map<String, Object> row(int tenure, String plan, Object member, String signup) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tenure", tenure);
        m.put("plan", plan);
        m.put("member", member);
        if (signup != null) m.put("signup", signup);
        return m;
    }

    private ModelBundle bundle() throws Exception {
        return Json.read(store.localPath((String) outputs.get("train").get("bundle")), ModelBundle.class);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> confusion(Map<String, Object> outputOrMetrics) {
        Map<String, Object> metrics = outputOrMetrics.containsKey("metrics")
                ? (Map<String, Object>) outputOrMetrics.get("metrics")
                : outputOrMetrics;
        return (Map<String, Object>) metrics.get("confusion_matrix");
    }

    private String put(Map<String, Object> json, ArtifactKind kind) throws Exception {
        Path f = store.newTempFile(".json");
        Json.write(f, json);
        return store.put(f, kind, "application/json").ref();
    }

    private Map<String, Object> run(TaskType type, String id, Map<String, Object> config, String... upstream)
            throws Exception {
        TestTaskContext.Builder b = TestTaskContext.task(id)
                .home(home)
                .service(DataSource.class, ds)
                .logicalDate(Instant.parse("2026-11-26T00:00:00Z"));
        config.forEach(b::config);
        for (String u : upstream) b.upstream(u, outputs.get(u));
        TestTaskContext ctx = b.build();
        contexts.put(id, ctx);
        Map<String, Object> out = type.execute(ctx).output();
        outputs.put(id, out);
        return out;
    }
}
