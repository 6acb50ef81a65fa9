package dev.sluice.ml.python;

import static dev.sluice.db.jooq.Tables.TASK_INSTANCE;
import static dev.sluice.ml.db.jooq.Tables.ML_EXPERIMENT_RUN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dag.Dag;
import dev.sluice.dag.YamlDagParser;
import dev.sluice.engine.Engine;
import dev.sluice.ml.Json;
import dev.sluice.ml.artifact.LocalArtifactStore;
import dev.sluice.ml.data.DuckDb;
import dev.sluice.ml.data.Rows;
import dev.sluice.ml.model.LoadedModel;
import dev.sluice.ml.model.ModelBundle;
import dev.sluice.ml.model.Problem;
import dev.sluice.ml.registry.ModelRegistry;
import dev.sluice.ml.registry.ModelVersion;
import dev.sluice.ml.serving.InvalidInputException;
import dev.sluice.ml.serving.PredictionResult;
import dev.sluice.ml.serving.PredictionService;
import dev.sluice.run.RunState;
import dev.sluice.run.TaskState;
import dev.sluice.testing.EngineHarness;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.jooq.JSONB;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A scikit-learn Pipeline fitted in a python task (the pinned test venv), converted whole to ONNX with skl2onnx and
 * saved with {@code sluice.save_model}, then taken by ml.evaluate, ml.deploy and serving like a built-in model, on
 * real runs against real PostgreSQL. The first run deploys the champion; the second fits on shuffled labels and
 * must be refused by the gate while the champion keeps serving.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SklearnOnnxModelTest {
    private static final String MODEL = "adult_onnx";
    private static final int ROWS = 3000;

    private EngineHarness h;
    private Engine engine;
    private LocalArtifactStore store;
    private long championRun;

    @BeforeAll
    void start() throws Exception {
        System.setProperty(
                PythonTask.PYTHON_SETTING,
                PythonTaskTest.venv().resolve("bin").resolve("python").toString());
        h = new EngineHarness();
        engine = h.engine();
        store = LocalArtifactStore.inHome(h.home);
        try (InputStream in = getClass().getResourceAsStream("/python/fit_adult_onnx.py")) {
            Files.copy(in, h.home.resolve("fit_adult_onnx.py"));
        }
        String yaml = """
                id: sklearn_onnx
                defaults: {retries: 0}
                params:
                  shuffle_labels: {type: boolean, default: false}
                tasks:
                  - id: ingest
                    type: ml.ingest
                    config:
                      path: "%s"
                      separator: ", "
                      header: false
                      null_values: ["?"]
                      columns: [age, workclass, fnlwgt, education, education_num, marital_status, occupation,
                                relationship, race, sex, capital_gain, capital_loss, hours_per_week, native_country,
                                income]
                      sql: "SELECT * REPLACE (rtrim(income, '.') AS income) FROM input LIMIT %d"
                  - id: split
                    type: ml.split
                    depends_on: [ingest]
                    config: {method: stratified, stratify_column: income, train_ratio: 0.7, validation_ratio: 0, seed: 7}
                  - id: fit
                    type: python
                    depends_on: [split]
                    config: {script: fit_adult_onnx.py}
                  - id: evaluate
                    type: ml.evaluate
                    depends_on: [fit]
                    config:
                      bundle: "{{ tasks.fit.output.bundle }}"
                      dataset: "{{ tasks.split.output.test }}"
                      model_name: %s
                  - id: deploy
                    type: ml.deploy
                    depends_on: [evaluate]
                    config: {model_name: %s, bundle: "{{ tasks.fit.output.bundle }}"}
                """.formatted(adultCsv(), ROWS, MODEL, MODEL);
        Dag dag = new YamlDagParser(h.types).parse(yaml, "sklearn_onnx.yaml");
        engine.dags().save(dag, h.home.resolve("sklearn_onnx.yaml").toString(), yaml);
        championRun = h.trigger(engine, "sklearn_onnx", Map.of());
        assertThat(h.awaitRun(championRun, Duration.ofSeconds(240)))
                .as(() -> failure(championRun))
                .isEqualTo(RunState.SUCCESS);
    }

    @AfterAll
    void stop() {
        if (h != null) h.close();
        System.clearProperty(PythonTask.PYTHON_SETTING);
    }

    @Test
    @Order(1)
    void the_onnx_model_scores_the_test_rows_in_java_as_sklearn_s_predict_proba_does() throws Exception {
        Map<String, Object> fit = output(championRun, "fit");
        Map<String, Object> split = output(championRun, "split");
        ModelBundle bundle = Json.read(store.localPath((String) fit.get("bundle")), ModelBundle.class);
        assertThat(bundle.format()).isEqualTo(ModelBundle.ONNX_FORMAT);
        assertThat(bundle.algorithm()).isEqualTo("onnx");
        assertThat(bundle.framework()).isEqualTo("sklearn");
        assertThat(bundle.modelRef()).isEqualTo(fit.get("bundle_onnx"));
        assertThat(bundle.transformRef()).isNull();
        assertThat(bundle.problem()).isEqualTo(Problem.CLASSIFICATION);
        assertThat(bundle.label().column()).isEqualTo("income");
        assertThat(bundle.label().positiveClass()).isEqualTo(">50K");
        assertThat(bundle.label().negativeClass()).isEqualTo("<=50K");
        assertThat(bundle.outputClasses()).containsExactly("<=50K", ">50K");
        assertThat(bundle.inputSchema().toMap())
                .containsEntry("age", "number")
                .containsEntry("workclass", "string")
                .doesNotContainKey("income");
        assertThat(bundle.trainedOn()).isEqualTo(split.get("train"));
        assertThat(bundle.trainedRows()).isEqualTo(((Number) split.get("train_rows")).longValue());
        assertThat(bundle.params()).containsEntry("max_iter", 60);

        // sklearn's predict_proba of every test row, next to the rows themselves.
        List<Map<String, Object>> rows = new ArrayList<>();
        List<Double> sklearn = new ArrayList<>();
        try (DuckDb db = DuckDb.open(Files.createTempDirectory("duck"), "256MB", 1)) {
            Rows.forEach(db, DuckDb.parquet(store.localPath((String) fit.get("sklearn_scores"))), r -> {
                Map<String, Object> row = new LinkedHashMap<>(r);
                sklearn.add(((Number) row.remove("sklearn_probability")).doubleValue());
                row.remove("income");
                rows.add(row);
            });
        }
        assertThat(rows).hasSize(((Number) split.get("test_rows")).intValue());
        assertThat(rows.stream().filter(r -> r.containsValue(null)).count())
                .as("test rows with a missing value, fed to the graph as \"\"")
                .isPositive();
        double[] java;
        try (LoadedModel m = LoadedModel.load(store, (String) fit.get("bundle"))) {
            java = m.score(rows);
        }
        double maxDiff = 0;
        for (int i = 0; i < rows.size(); i++) maxDiff = Math.max(maxDiff, Math.abs(java[i] - sklearn.get(i)));
        System.out.printf("max |ONNX in Java - sklearn predict_proba| over %d test rows: %.3g%n", rows.size(), maxDiff);
        assertThat(maxDiff).as("max |ONNX in Java - sklearn predict_proba|").isLessThan(1e-6);
        assertThat(scores(java).anyMatch(p -> p > 0.9) && scores(java).anyMatch(p -> p < 0.1))
                .as("confident answers both ways")
                .isTrue();

        // The python task's params and metrics are an experiment of its own stage.
        var exp = h.db.dsl()
                .select(ML_EXPERIMENT_RUN.STAGE, ML_EXPERIMENT_RUN.PARAMS, ML_EXPERIMENT_RUN.METRICS)
                .from(ML_EXPERIMENT_RUN)
                .where(ML_EXPERIMENT_RUN.RUN_ID.eq(championRun), ML_EXPERIMENT_RUN.TASK_ID.eq("fit"))
                .fetchOne();
        assertThat(exp.value1()).isEqualTo("python");
        assertThat(Json.readMap(exp.value2().data())).containsEntry("algorithm", "hist_gradient_boosting");
        assertThat((Double) Json.readMap(exp.value3().data()).get("test_roc_auc"))
                .isGreaterThan(0.8);
    }

    @Test
    @Order(2)
    void ml_deploy_registers_the_onnx_bundle_with_its_kind_and_framework() {
        ModelVersion v = new ModelRegistry(h.db.dataSource()).resolve(MODEL, ModelRegistry.CHAMPION);
        assertThat(v.version()).isEqualTo(1);
        assertThat(v.algorithm()).isEqualTo("onnx");
        assertThat(v.details()).containsEntry("kind", "onnx").containsEntry("framework", "sklearn");
        assertThat(v.details()).containsEntry("positive_class", ">50K").containsEntry("negative_class", "<=50K");
        assertThat(v.bundleRef()).isEqualTo(output(championRun, "fit").get("bundle"));
        assertThat((Double) v.metrics().get("roc_auc")).isGreaterThan(0.8);
    }

    @Test
    @Order(3)
    void serving_answers_with_the_onnx_model_and_names_a_bad_field() throws Exception {
        PredictionService service = new PredictionService(
                new ModelRegistry(h.db.dataSource()), store, h.db.dataSource(), 0.0, new Random(1));
        List<Map<String, Object>> rows = testRows(5);
        PredictionResult r = service.predict(MODEL, "champion", rows);
        double[] expected;
        try (LoadedModel m =
                LoadedModel.load(store, (String) output(championRun, "fit").get("bundle"))) {
            expected = m.score(rows);
        }
        for (int i = 0; i < rows.size(); i++) {
            assertThat(r.predictions().get(i).probability()).isEqualTo(expected[i]);
            assertThat(r.predictions().get(i).label()).isEqualTo(expected[i] >= 0.5 ? ">50K" : "<=50K");
        }
        rows.get(1).put("age", "forty");
        assertInvalid(service, rows, 1, "age");
        rows = testRows(1);
        rows.get(0).remove("occupation");
        assertInvalid(service, rows, 0, "occupation");
        service.evict(
                new ModelRegistry(h.db.dataSource()).resolve(MODEL, "champion").id());
        assertThat(service.loadedVersions()).isZero();
        assertThat(service.predict(MODEL, "champion", testRows(1)).version()).isEqualTo(1);
    }

    @Test
    @Order(4)
    void a_worse_onnx_challenger_is_refused_by_the_gate_and_the_champion_keeps_serving() throws Exception {
        long run = h.trigger(engine, "sklearn_onnx", Map.of("shuffle_labels", true));
        assertThat(h.awaitRun(run, Duration.ofSeconds(240))).isEqualTo(RunState.FAILED);
        assertThat(h.taskStates(run))
                .containsEntry("fit", TaskState.SUCCESS)
                .containsEntry("evaluate", TaskState.FAILED)
                .containsEntry("deploy", TaskState.UPSTREAM_FAILED);
        assertThat(h.error(run, "evaluate")).contains("evaluation gate failed").contains("champion roc_auc");

        ModelRegistry registry = new ModelRegistry(h.db.dataSource());
        assertThat(registry.versions(MODEL)).hasSize(1);
        PredictionService service = new PredictionService(registry, store, h.db.dataSource(), 0.0, new Random(1));
        PredictionResult r = service.predict(MODEL, "champion", testRows(3));
        assertThat(r.version()).isEqualTo(1);
        assertThat(registry.resolve(MODEL, "champion").bundleRef())
                .isEqualTo(output(championRun, "fit").get("bundle"))
                .isNotEqualTo(output(run, "fit").get("bundle"));
    }

    private static java.util.stream.DoubleStream scores(double[] v) {
        return java.util.Arrays.stream(v);
    }

    private static void assertInvalid(PredictionService s, List<Map<String, Object>> rows, int row, String field) {
        try {
            s.predict(MODEL, "champion", rows);
            throw new AssertionError("expected the row to be refused");
        } catch (InvalidInputException e) {
            assertThat(e.row()).isEqualTo(row);
            assertThat(e.field()).isEqualTo(field);
        }
    }

    /** Raw test rows of the champion's run, without the label. */
    private List<Map<String, Object>> testRows(int n) throws Exception {
        String test = (String) output(championRun, "split").get("test");
        List<Map<String, Object>> rows = new ArrayList<>();
        try (DuckDb db = DuckDb.open(Files.createTempDirectory("duck"), "256MB", 1)) {
            Rows.forEach(db, "(SELECT * FROM " + DuckDb.parquet(store.localPath(test)) + " LIMIT " + n + ")", r -> {
                Map<String, Object> row = new LinkedHashMap<>(r);
                row.remove("income");
                rows.add(row);
            });
        }
        return rows;
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

    private String failure(long run) {
        StringBuilder b = new StringBuilder("run: " + h.taskStates(run));
        for (String t : h.taskStates(run).keySet()) {
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
        }
        return b.toString();
    }

    private static String adultCsv() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("examples/data/adult"))) p = p.getParent();
        if (p == null) throw new IllegalStateException("examples/data/adult not found");
        return p.resolve("examples/data/adult/adult-train.csv").toString();
    }
}
