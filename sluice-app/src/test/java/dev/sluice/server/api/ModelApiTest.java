package dev.sluice.server.api;

import static dev.sluice.server.api.AdultModelFixture.MODEL;
import static dev.sluice.server.api.MalformedRequestTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.ml.artifact.LocalArtifactStore;
import dev.sluice.ml.data.DuckDb;
import dev.sluice.ml.data.Rows;
import dev.sluice.ml.model.LoadedModel;
import dev.sluice.server.auth.Role;
import dev.sluice.server.http.ApiJson;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The model registry and serving over HTTP, on models the example retraining DAG really trained and registered
 * through the engine: version 1 (seed 42) and version 2 (seed 7, the champion after its deploy).
 */
class ModelApiTest {
    static ApiServer server;
    static String run1;
    static String run2;
    static LocalArtifactStore store;

    @BeforeAll
    static void registerTwoVersions() throws Exception {
        server = ApiServer.shared();
        AdultModelFixture.install(server);
        run1 = AdultModelFixture.run(server, 42);
        run2 = AdultModelFixture.run(server, 7);
        // The store the ML tasks wrote to and the server reads from.
        store = LocalArtifactStore.inHome(server.app.config.home());
    }

    @Test
    void models_and_versions_show_what_the_runs_registered() {
        JsonNode model = null;
        for (JsonNode m : server.get("/models", Role.VIEWER).json().path("items"))
            if (m.path("name").asText().equals(MODEL)) model = m;
        assertThat(model).as("model listed").isNotNull();
        assertThat(model.path("description").asText()).isEqualTo("UCI Adult, income above 50K a year");
        assertThat(model.path("latest_version").asInt()).isEqualTo(2);
        assertThat(model.path("updated_at").asText()).isNotBlank();

        JsonNode versions =
                server.get("/models/" + MODEL + "/versions", Role.VIEWER).json().path("items");
        assertThat(versions.findValuesAsText("version")).containsExactly("2", "1");
        assertThat(versions.get(0).path("run_id").asText()).isEqualTo(run2);
        assertThat(versions.get(1).path("run_id").asText()).isEqualTo(run1);
        assertThat(versions.get(0).path("dag_id").asText()).isEqualTo(AdultModelFixture.DAG_ID);
        assertThat(versions.get(0).path("metrics").path("roc_auc").asDouble()).isGreaterThan(0.6);
        assertThat(versions.get(0).path("bundle").asText())
                .isEqualTo(AdultModelFixture.taskOutput(server, run2, "train")
                        .path("bundle")
                        .asText());
        assertThat(versions.get(0).path("input_schema").path("age").asText()).isEqualTo("number");
        assertThat(versions.get(0).path("input_schema").has("income")).isFalse();
        assertThat(versions.get(0)
                        .path("metrics")
                        .path("confusion_matrix")
                        .path("labels")
                        .toString())
                .isEqualTo("[\">50K\",\"<=50K\"]");
    }

    @Test
    void a_version_says_its_kind_and_the_params_and_metrics_its_training_logged() {
        JsonNode versions =
                server.get("/models/" + MODEL + "/versions", Role.VIEWER).json().path("items");
        for (JsonNode v : versions) {
            assertThat(v.path("kind").asText()).isEqualTo("builtin");
            assertThat(v.path("framework").asText()).isEqualTo("sluice");
            assertThat(v.path("algorithm").asText()).isEqualTo("xgboost");
            // From the train attempt that produced the bundle, not from the deploy that registered it.
            assertThat(v.path("train_task").asText()).isEqualTo("train");
            assertThat(v.path("params").path("algorithm").asText()).isEqualTo("xgboost");
            assertThat(v.path("params").path("rounds").asInt()).isEqualTo(AdultModelFixture.ROUNDS);
            assertThat(v.path("logged_metrics")
                            .path("validation")
                            .path("roc_auc")
                            .asDouble())
                    .isBetween(0.5, 1.0);
        }
        // Each version its own run's seed: the params are per version, not the model's latest.
        assertThat(versions.get(0).path("params").path("seed").asInt()).isEqualTo(7);
        assertThat(versions.get(1).path("params").path("seed").asInt()).isEqualTo(42);
    }

    @Test
    void an_onnx_version_names_its_framework_and_shows_its_bundles_params_without_an_experiment() {
        // Registered straight through the registry, as a deploy of a python task's bundle records it; no attempt
        // logged an experiment for this bundle, so the params are the bundle's own.
        var registry = new dev.sluice.ml.registry.ModelRegistry(server.app.db.dataSource());
        registry.register(
                "onnx_kind_api_test",
                "ONNX from scikit-learn",
                "sha256:" + "5e".repeat(32),
                "onnx",
                "classification",
                Map.of("age", "number"),
                Map.of("roc_auc", 0.88),
                Map.of("framework", "sklearn", "params", Map.of("max_iter", 200)));
        JsonNode v = server.get("/models/onnx_kind_api_test/versions", Role.VIEWER)
                .json()
                .path("items")
                .get(0);
        assertThat(v.path("kind").asText()).isEqualTo("onnx");
        assertThat(v.path("framework").asText()).isEqualTo("sklearn");
        assertThat(v.path("params").path("max_iter").asInt()).isEqualTo(200);
        assertThat(v.path("logged_metrics").size()).isZero();
        assertThat(v.path("train_task").isNull() || v.path("train_task").isMissingNode())
                .isTrue();
        assertThat(v.path("metrics").path("roc_auc").asDouble()).isEqualTo(0.88);
    }

    @Test
    void served_predictions_equal_the_batch_scores_of_the_evaluate_path() throws Exception {
        List<Map<String, Object>> rows = testRows(run2, 40);
        double[] batch = batchScores(run2, rows);
        JsonNode answer = predict("?version=2", rows);
        assertThat(answer.path("model").asText()).isEqualTo(MODEL);
        assertThat(answer.path("version").asInt()).isEqualTo(2);
        assertThat(answer.path("probabilities")).hasSize(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            // Exactly, not approximately: the server must apply the very transform and model the pipeline evaluated.
            assertThat(answer.path("probabilities").get(i).asDouble())
                    .as("row %d", i)
                    .isEqualTo(batch[i]);
            // The data's own labels, never an invented "not >50K".
            assertThat(answer.path("predictions").get(i).asText()).isEqualTo(batch[i] >= 0.5 ? ">50K" : "<=50K");
        }
    }

    @Test
    void a_row_not_matching_the_input_schema_is_a_400_naming_the_field() throws Exception {
        List<Map<String, Object>> rows = testRows(run2, 2);
        rows.get(1).put("age", "thirty-nine");
        assertError(
                server.post("/models/" + MODEL + "/predict", Role.VIEWER, body(rows)),
                400,
                "rows[1].age",
                "wrong type");
        rows = testRows(run2, 1);
        rows.get(0).remove("workclass");
        assertError(
                server.post("/models/" + MODEL + "/predict", Role.VIEWER, body(rows)),
                400,
                "rows[0].workclass",
                "missing");
        rows = testRows(run2, 1);
        rows.get(0).put("agee", 39);
        assertError(
                server.post("/models/" + MODEL + "/predict", Role.VIEWER, body(rows)),
                400,
                "rows[0].agee",
                "unknown field");
        assertError(server.post("/models/" + MODEL + "/predict", Role.VIEWER, "{\"rows\":[]}"), 400, "rows", "no rows");
        assertError(server.post("/models/" + MODEL + "/predict", Role.VIEWER, "{}"), 400, "rows", "rows missing");
        assertError(
                server.post("/models/" + MODEL + "/predict?version=x", Role.VIEWER, body(testRows(run2, 1))),
                400,
                "version",
                "version");
        assertError(
                server.post(
                        "/models/" + MODEL + "/predict?version=1&alias=champion", Role.VIEWER, body(testRows(run2, 1))),
                400,
                "version",
                "both");
        assertError(
                server.post("/models/" + MODEL + "/aliases/v2", Role.OPERATOR, "{\"version\":1}"),
                400,
                "alias",
                "alias like a version");
        assertError(
                server.post("/models/" + MODEL + "/aliases/staging", Role.OPERATOR, "{\"version\":\"1\"}"),
                400,
                "version",
                "version type");
    }

    @Test
    void moving_the_champion_changes_the_version_that_serves_and_is_audited() throws Exception {
        List<Map<String, Object>> rows = testRows(run2, 20);
        assertThat(predict("", rows).path("version").asInt())
                .as("champion after run 2")
                .isEqualTo(2);
        try {
            var moved = server.post("/models/" + MODEL + "/aliases/champion", Role.OPERATOR, "{\"version\":1}");
            assertThat(moved.status()).as(moved.body()).isEqualTo(200);
            assertThat(moved.json().path("version").asInt()).isEqualTo(1);
            assertThat(moved.json().path("aliases").toString()).contains("champion");

            JsonNode answer = predict("?alias=champion", rows);
            assertThat(answer.path("version").asInt()).isEqualTo(1);
            double[] v1 = batchScores(run1, rows);
            for (int i = 0; i < rows.size(); i++)
                assertThat(answer.path("probabilities").get(i).asDouble()).isEqualTo(v1[i]);
            assertThat(champion()).isEqualTo(1);

            var audit = server.get("/audit?limit=20", Role.ADMIN).json().path("items");
            assertThat(audit.toString())
                    .contains("\"action\":\"model.alias\"")
                    .contains("\"target\":\"" + MODEL + "/champion\"");
        } finally {
            assertThat(server.post("/models/" + MODEL + "/aliases/champion", Role.OPERATOR, "{\"version\":2}")
                            .status())
                    .isEqualTo(200);
        }
        assertThat(predict("", rows).path("version").asInt()).isEqualTo(2);
    }

    @Test
    void the_readme_predict_example_is_a_valid_request() throws Exception {
        String readme =
                Files.readString(AdultModelFixture.examples().getParent().resolve("README.md"));
        String start = "/predict?alias=champion\" -d '";
        int from = readme.indexOf(start) + start.length();
        String body = readme.substring(from, readme.indexOf("' | jq", from));
        var a = server.post("/models/" + MODEL + "/predict", Role.VIEWER, body);
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        assertThat(a.json().path("predictions").get(0).asText()).isIn(">50K", "<=50K");
    }

    @Test
    void unknown_model_version_or_alias_is_a_404() throws Exception {
        String rows = body(testRows(run2, 1));
        assertError(server.post("/models/no_such_model/predict", Role.VIEWER, rows), 404, null, "model");
        assertError(server.get("/models/no_such_model/versions", Role.VIEWER), 404, null, "versions");
        assertError(server.post("/models/" + MODEL + "/predict?version=99", Role.VIEWER, rows), 404, null, "version");
        assertError(server.post("/models/" + MODEL + "/predict?alias=nobody", Role.VIEWER, rows), 404, null, "alias");
        assertError(
                server.post("/models/" + MODEL + "/aliases/champion", Role.OPERATOR, "{\"version\":99}"),
                404,
                null,
                "alias to nothing");
    }

    @Test
    void the_drift_report_compares_served_rows_with_the_training_rows() throws Exception {
        // Version 1 serves its test rows, everyone 40 years older: age drifts, the other inputs do not.
        List<Map<String, Object>> rows = testRows(run1, 500);
        assertThat(rows).hasSizeGreaterThan(200);
        rows.forEach(r -> r.put("age", ((Number) r.get("age")).doubleValue() + 40));
        for (int i = 0; i < rows.size(); i += 50) predict("?version=1", rows.subList(i, Math.min(rows.size(), i + 50)));

        var a = server.get("/models/" + MODEL + "/drift?version=1&hours=1", Role.VIEWER);
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        JsonNode r = a.json();
        assertThat(r.path("version").asInt()).isEqualTo(1);
        assertThat(r.path("baseline_dataset").asText())
                .isEqualTo(AdultModelFixture.taskOutput(server, run1, "split")
                        .path("train")
                        .asText());
        assertThat(r.path("rows").asLong()).isGreaterThanOrEqualTo(rows.size());
        assertThat(r.path("requests").asLong()).isGreaterThanOrEqualTo(rows.size() / 50);
        assertThat(r.path("psi").has("hours_per_week")).isTrue();
        assertThat(r.path("psi").path("age").asDouble()).isGreaterThan(1.0);
        assertThat(r.path("drifted").toString()).contains("\"age\"").doesNotContain("hours_per_week");

        assertError(server.get("/models/" + MODEL + "/drift?hours=0", Role.VIEWER), 400, "hours", "hours out of range");
        assertError(
                server.get("/models/" + MODEL + "/drift?max_psi=much", Role.VIEWER),
                400,
                "max_psi",
                "max_psi not a number");
        assertError(server.get("/models/no_such_model/drift", Role.VIEWER), 404, null, "unknown model");
    }

    @Test
    void experiments_list_each_training_with_params_metrics_and_artifacts_newest_first() throws Exception {
        String base = "/experiments?dag_id=" + AdultModelFixture.DAG_ID + "&stage=train";
        var a = server.get(base, Role.VIEWER);
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        JsonNode items = a.json().path("items");
        assertThat(items).hasSize(2);
        assertThat(items.get(0).path("run_id").asText()).isEqualTo(run2);
        assertThat(items.get(0).path("params").path("seed").asInt()).isEqualTo(7);
        assertThat(items.get(1).path("run_id").asText()).isEqualTo(run1);
        assertThat(items.get(1).path("params").path("seed").asInt()).isEqualTo(42);
        JsonNode first = items.get(0);
        assertThat(first.path("task_id").asText()).isEqualTo("train");
        assertThat(first.path("try_number").asInt()).isEqualTo(1);
        assertThat(first.path("metrics").path("validation").path("roc_auc").asDouble())
                .isBetween(0.5, 1.0);
        String bundle = AdultModelFixture.taskOutput(server, run2, "train")
                .path("bundle")
                .asText();
        assertThat(first.path("artifacts").toString())
                .contains("\"direction\":\"produced\",\"role\":\"bundle\",\"ref\":\"" + bundle + "\"")
                .contains("\"direction\":\"consumed\",\"role\":\"train\"");

        // Keyset pages: one item each, the second page continues where the first stopped.
        var page1 = server.get(base + "&limit=1", Role.VIEWER).json();
        assertThat(page1.path("items").get(0).path("run_id").asText()).isEqualTo(run2);
        String cursor = page1.path("next_cursor").asText();
        var page2 = server.get(
                        base + "&limit=1&cursor="
                                + java.net.URLEncoder.encode(cursor, java.nio.charset.StandardCharsets.UTF_8),
                        Role.VIEWER)
                .json();
        assertThat(page2.path("items").get(0).path("run_id").asText()).isEqualTo(run1);
        assertThat(page2.path("next_cursor").isNull()).isTrue();

        var evaluations = server.get("/experiments?dag_id=" + AdultModelFixture.DAG_ID + "&stage=evaluate", Role.VIEWER)
                .json()
                .path("items");
        assertThat(evaluations).hasSize(2);
        assertThat(evaluations.get(0).path("metrics").toString()).contains("roc_auc");
        assertError(server.get("/experiments?stage=deploy", Role.VIEWER), 400, "stage", "unknown stage");
    }

    private static int champion() {
        for (JsonNode m : server.get("/models", Role.VIEWER).json().path("items")) {
            if (m.path("name").asText().equals(MODEL))
                return m.path("champion_version").asInt();
        }
        throw new AssertionError("no " + MODEL);
    }

    private static JsonNode predict(String query, List<Map<String, Object>> rows) throws Exception {
        var a = server.post("/models/" + MODEL + "/predict" + query, Role.VIEWER, body(rows));
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        return a.json();
    }

    private static String body(List<Map<String, Object>> rows) throws Exception {
        return ApiJson.MAPPER.writeValueAsString(Map.of("rows", rows));
    }

    /** The first raw test rows of a run's split, as a client would send them: only the model's input columns. */
    private static List<Map<String, Object>> testRows(String runId, int n) throws Exception {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Map<String, Object> r : rawTestRows(runId, n)) {
            Map<String, Object> row = new LinkedHashMap<>(r);
            row.remove("income");
            rows.add(row);
        }
        return rows;
    }

    private static List<Map<String, Object>> rawTestRows(String runId, int n) throws Exception {
        String test = AdultModelFixture.taskOutput(server, runId, "split")
                .path("test")
                .asText();
        List<Map<String, Object>> rows = new ArrayList<>();
        try (DuckDb db = DuckDb.open(Files.createTempDirectory("duck"), "256MB", 1)) {
            Rows.forEach(
                    db, "(SELECT * FROM " + DuckDb.parquet(store.localPath(test)) + " LIMIT " + n + ")", rows::add);
        }
        return rows;
    }

    /** What ml.evaluate computes for these rows: the run's trained bundle scoring them in one batch. */
    private static double[] batchScores(String runId, List<Map<String, Object>> rows) throws Exception {
        String bundle = AdultModelFixture.taskOutput(server, runId, "train")
                .path("bundle")
                .asText();
        return LoadedModel.load(store, bundle).score(rows);
    }
}
