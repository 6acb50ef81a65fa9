package dev.sluice.server.api;

import static dev.sluice.server.api.MalformedRequestTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.ml.artifact.LocalArtifactStore;
import dev.sluice.ml.data.DuckDb;
import dev.sluice.ml.data.Rows;
import dev.sluice.ml.model.LoadedModel;
import dev.sluice.server.auth.Role;
import dev.sluice.server.http.ApiJson;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An ONNX model over HTTP: a python task of a real run (the pinned test venv) fits a scikit-learn Pipeline on the
 * Adult rows, converts it to ONNX and saves it; ml.evaluate and ml.deploy register it; the registry shows its kind
 * and framework, and the predict API answers with it and refuses bad fields by name, as for a built-in model;
 * ml.predict scores the test split with it, row for row what the API answers.
 */
class OnnxModelApiTest {
    static final String DAG_ID = "onnx_api_adult";
    static final String MODEL = "adult_onnx_api_test";
    /** The model's inputs: every Adult column but the label, income. */
    static final List<String> INPUTS = List.of(
            "age",
            "workclass",
            "fnlwgt",
            "education",
            "education_num",
            "marital_status",
            "occupation",
            "relationship",
            "race",
            "sex",
            "capital_gain",
            "capital_loss",
            "hours_per_week",
            "native_country");

    static ApiServer server;
    static String run;
    static LocalArtifactStore store;

    @BeforeAll
    static void registerTheOnnxModel() throws Exception {
        // A server of its own: the training script must lie in the DAG folder, and a file there is part of every
        // DAG's bundle, so on the shared server it would give the other tests' DAGs new versions.
        server = new ApiServer();
        Path repo = AdultModelFixture.examples().getParent();
        Path dags = server.app.config.home().resolve("dags");
        Files.copy(
                repo.resolve("ml-tasks/src/test/resources/python/fit_adult_onnx.py"),
                dags.resolve("fit_adult_onnx.py"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        String yaml = """
                id: %s
                defaults: {retries: 0}
                params:
                  seed: {type: integer, default: 1}
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
                      sql: "SELECT * REPLACE (rtrim(income, '.') AS income) FROM input LIMIT 2000"
                  - id: split
                    type: ml.split
                    depends_on: [ingest]
                    config: {dataset: "{{ tasks.ingest.output.dataset }}", validation_ratio: 0, seed: 3}
                  - id: fit
                    type: python
                    depends_on: [split]
                    config: {script: fit_adult_onnx.py, python: "%s"}
                  - id: evaluate
                    type: ml.evaluate
                    depends_on: [fit]
                    config:
                      bundle: "{{ tasks.fit.output.bundle }}"
                      dataset: "{{ tasks.split.output.test }}"
                      model_name: %s
                      min: {roc_auc: 0.75}
                  - id: deploy
                    type: ml.deploy
                    depends_on: [evaluate]
                    config: {model_name: %s, bundle: "{{ tasks.fit.output.bundle }}"}
                  - id: score
                    type: ml.predict
                    depends_on: [deploy]
                    config:
                      model_name: %s
                      dataset: "{{ tasks.split.output.test }}"
                      keep_columns: [%s]
                """.formatted(
                        DAG_ID,
                        repo.resolve("examples/data/adult/adult-train.csv"),
                        venvPython(repo),
                        MODEL,
                        MODEL,
                        MODEL,
                        String.join(", ", INPUTS));
        Files.writeString(dags.resolve(DAG_ID + ".yaml"), yaml);
        server.app.dagSync.sync();
        run = AdultModelFixture.run(server, DAG_ID, 1);
        store = LocalArtifactStore.inHome(server.app.config.home());
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    @Test
    void the_registry_shows_the_version_s_kind_and_framework() {
        JsonNode v = server.get("/models/" + MODEL + "/versions", Role.VIEWER)
                .json()
                .path("items")
                .get(0);
        assertThat(v.path("version").asInt()).isEqualTo(1);
        assertThat(v.path("algorithm").asText()).isEqualTo("onnx");
        assertThat(v.path("kind").asText()).isEqualTo("onnx");
        assertThat(v.path("framework").asText()).isEqualTo("sklearn");
        assertThat(v.path("input_schema").path("age").asText()).isEqualTo("number");
        assertThat(v.path("input_schema").path("workclass").asText()).isEqualTo("string");
        assertThat(v.path("input_schema").has("income")).isFalse();
        assertThat(v.path("metrics").path("roc_auc").asDouble()).isGreaterThan(0.75);
        assertThat(v.path("bundle").asText())
                .isEqualTo(AdultModelFixture.taskOutput(server, DAG_ID, run, "fit")
                        .path("bundle")
                        .asText());
    }

    @Test
    void predictions_are_the_onnx_model_s_scores_with_the_data_s_labels() throws Exception {
        List<Map<String, Object>> rows = testRows(30);
        double[] expected;
        try (LoadedModel m = LoadedModel.load(
                store,
                AdultModelFixture.taskOutput(server, DAG_ID, run, "fit")
                        .path("bundle")
                        .asText())) {
            expected = m.score(rows);
        }
        var a = server.post(
                "/models/" + MODEL + "/predict", Role.VIEWER, ApiJson.MAPPER.writeValueAsString(Map.of("rows", rows)));
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        JsonNode answer = a.json();
        assertThat(answer.path("version").asInt()).isEqualTo(1);
        for (int i = 0; i < rows.size(); i++) {
            assertThat(answer.path("probabilities").get(i).asDouble())
                    .as("row %d", i)
                    .isEqualTo(expected[i]);
            assertThat(answer.path("predictions").get(i).asText()).isEqualTo(expected[i] >= 0.5 ? ">50K" : "<=50K");
        }
        // The classes are the data's own values.
        List<String> labels = new ArrayList<>();
        answer.path("predictions").forEach(p -> labels.add(p.asText()));
        assertThat(labels).containsOnly(">50K", "<=50K");
    }

    /**
     * The batch path against the served one for an ONNX model, as BatchPredictionApiTest does for built-in bundles:
     * every row ml.predict scored from the test split, POSTed to the API, must come back with the output's very
     * label and probability. Doubles are compared with ==: Jackson writes the shortest text that reads back to the
     * same double, so any difference in the ONNX Runtime call (batching, float inputs, the positive class's column)
     * shows.
     */
    @Test
    void ml_predict_output_equals_the_predict_api_s_answers_bit_for_bit() throws Exception {
        JsonNode out = AdultModelFixture.taskOutput(server, DAG_ID, run, "score");
        assertThat(out.path("version").asInt()).isEqualTo(1);
        List<Map<String, Object>> scored = new ArrayList<>();
        try (DuckDb db = DuckDb.open(Files.createTempDirectory("duck"), "256MB", 1)) {
            Rows.forEach(
                    db,
                    DuckDb.parquet(store.localPath(out.path("predictions").asText())),
                    r -> scored.add(new LinkedHashMap<>(r)));
        }
        List<String> columns = new ArrayList<>(INPUTS);
        columns.addAll(List.of("prediction", "probability"));
        assertThat(scored.get(0).keySet()).containsExactlyElementsOf(columns);
        assertThat(scored).hasSize(out.path("rows").asInt()).hasSizeGreaterThan(300);
        // Rows with a missing text (Adult's "?") go through the same "" the graph is fed on both paths.
        assertThat(scored).anyMatch(r -> r.get("workclass") == null || r.get("occupation") == null);
        int i = 0;
        for (int from = 0; from < scored.size(); from += 100) {
            List<Map<String, Object>> chunk = scored.subList(from, Math.min(scored.size(), from + 100));
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Map<String, Object> s : chunk) {
                Map<String, Object> r = new LinkedHashMap<>();
                for (String c : INPUTS) r.put(c, s.get(c));
                rows.add(r);
            }
            var a = server.post("/models/" + MODEL + "/predict", Role.VIEWER, body(rows));
            assertThat(a.status()).as(a.body()).isEqualTo(200);
            JsonNode answer = a.json();
            assertThat(answer.path("version").asInt()).isEqualTo(1);
            for (int j = 0; j < chunk.size(); j++, i++) {
                Map<String, Object> row = chunk.get(j);
                assertThat(row.get("prediction"))
                        .as("row %d", i)
                        .isEqualTo(answer.path("predictions").get(j).asText());
                double served = answer.path("probabilities").get(j).asDouble();
                assertThat((double) row.get("probability") == served)
                        .as("row %d: %s vs %s", i, row.get("probability"), served)
                        .isTrue();
            }
        }
        assertThat(scored.stream().map(r -> r.get("prediction")).distinct()).containsExactlyInAnyOrder(">50K", "<=50K");
    }

    @Test
    void a_missing_or_mistyped_field_is_a_400_naming_it() throws Exception {
        List<Map<String, Object>> rows = testRows(2);
        rows.get(1).put("age", "forty");
        assertError(
                server.post("/models/" + MODEL + "/predict", Role.VIEWER, body(rows)),
                400,
                "rows[1].age",
                "wrong type");
        rows = testRows(1);
        rows.get(0).remove("occupation");
        assertError(
                server.post("/models/" + MODEL + "/predict", Role.VIEWER, body(rows)),
                400,
                "rows[0].occupation",
                "missing");
        rows = testRows(1);
        rows.get(0).put("income", ">50K");
        assertError(
                server.post("/models/" + MODEL + "/predict", Role.VIEWER, body(rows)),
                400,
                "rows[0].income",
                "the label is no input");
    }

    @Test
    void the_drift_report_compares_served_rows_with_the_rows_the_model_was_fitted_on() throws Exception {
        var a = server.post("/models/" + MODEL + "/predict", Role.VIEWER, body(testRows(50)));
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        JsonNode report =
                server.get("/models/" + MODEL + "/drift?version=1", Role.VIEWER).json();
        assertThat(report.path("baseline_dataset").asText())
                .isEqualTo(AdultModelFixture.taskOutput(server, DAG_ID, run, "split")
                        .path("train")
                        .asText());
        assertThat(report.path("rows").asLong()).isGreaterThanOrEqualTo(50);
        assertThat(report.path("psi").has("age")).isTrue();
        assertThat(report.path("psi").has("workclass")).isTrue();
    }

    private static String body(List<Map<String, Object>> rows) throws Exception {
        return ApiJson.MAPPER.writeValueAsString(Map.of("rows", rows));
    }

    /** The first raw test rows of the run's split, as a client would send them: without the label. */
    private static List<Map<String, Object>> testRows(int n) throws Exception {
        String test = AdultModelFixture.taskOutput(server, DAG_ID, run, "split")
                .path("test")
                .asText();
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

    /** The pinned test venv's interpreter: SLUICE_TEST_VENV, else made now by scripts/python-env. */
    static String venvPython(Path repo) throws Exception {
        String env = System.getenv("SLUICE_TEST_VENV");
        Path venv;
        if (env != null && !env.isBlank()) {
            venv = Path.of(env);
        } else {
            Process p = new ProcessBuilder(repo.resolve("scripts/python-env").toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.waitFor() != 0)
                throw new IllegalStateException("scripts/python-env failed (exit " + p.exitValue() + ")");
            venv = Path.of(out);
        }
        return venv.resolve("bin").resolve("python").toString();
    }
}
