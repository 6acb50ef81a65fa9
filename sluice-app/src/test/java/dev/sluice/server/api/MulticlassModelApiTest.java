package dev.sluice.server.api;

import static dev.sluice.server.api.MaritalStatusModelFixture.CLASSES;
import static dev.sluice.server.api.MaritalStatusModelFixture.DAG_ID;
import static dev.sluice.server.api.MaritalStatusModelFixture.MODEL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.ml.artifact.LocalArtifactStore;
import dev.sluice.ml.data.DuckDb;
import dev.sluice.ml.data.Rows;
import dev.sluice.ml.model.ClassProbabilities;
import dev.sluice.ml.model.LoadedModel;
import dev.sluice.server.auth.Role;
import dev.sluice.server.http.ApiJson;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A multi-class model over HTTP, trained and registered by the adult_marital_status example DAG run through the
 * engine: the versions view names its classes, and predict answers with class labels and per-class probabilities
 * that are exactly what the evaluate path computes.
 */
class MulticlassModelApiTest {
    static ApiServer server;
    static String run;
    static LocalArtifactStore store;

    @BeforeAll
    static void registerAMulticlassModel() throws Exception {
        server = ApiServer.shared();
        MaritalStatusModelFixture.install(server);
        run = AdultModelFixture.run(server, DAG_ID, 42);
        store = LocalArtifactStore.inHome(server.app.config.home());
    }

    @Test
    void the_version_is_listed_as_multiclass_with_its_classes_and_metrics() {
        JsonNode v = server.get("/models/" + MODEL + "/versions", Role.VIEWER)
                .json()
                .path("items")
                .get(0);
        assertThat(v.path("version").asInt()).isEqualTo(1);
        assertThat(v.path("problem").asText()).isEqualTo("multiclass");
        List<String> classes = new ArrayList<>();
        v.path("classes").forEach(c -> classes.add(c.asText()));
        assertThat(classes).isEqualTo(CLASSES);
        assertThat(v.path("metrics").path("accuracy").asDouble()).isGreaterThan(0.55);
        assertThat(v.path("metrics").path("f1_macro").isNumber()).isTrue();
        assertThat(v.path("metrics").path("confusion_matrix").path("labels")).hasSize(CLASSES.size());
        assertThat(v.path("run_id").asText()).isEqualTo(run);
    }

    @Test
    void served_class_labels_and_probabilities_equal_the_batch_scores_of_the_evaluate_path() throws Exception {
        List<Map<String, Object>> rows = testRows(60);
        String bundle = AdultModelFixture.taskOutput(server, DAG_ID, run, "train")
                .path("bundle")
                .asText();
        LoadedModel model = LoadedModel.load(store, bundle);
        ClassProbabilities batch = model.classProbabilities(model.score(rows));

        var a = server.post(
                "/models/" + MODEL + "/predict", Role.VIEWER, ApiJson.MAPPER.writeValueAsString(Map.of("rows", rows)));
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        JsonNode answer = a.json();
        assertThat(answer.path("version").asInt()).isEqualTo(1);
        assertThat(answer.path("predictions")).hasSize(rows.size());
        assertThat(answer.path("probabilities")).hasSize(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            JsonNode probabilities = answer.path("probabilities").get(i);
            List<String> keys = new ArrayList<>();
            probabilities.fieldNames().forEachRemaining(keys::add);
            assertThat(keys).as("row %d", i).isEqualTo(CLASSES);
            double sum = 0;
            for (int c = 0; c < CLASSES.size(); c++) {
                // Exactly, not approximately: the server must apply the very transform and model the pipeline
                // evaluated.
                assertThat(probabilities.path(CLASSES.get(c)).asDouble())
                        .as("row %d, %s", i, CLASSES.get(c))
                        .isEqualTo(batch.get(i, c));
                sum += batch.get(i, c);
            }
            assertThat(sum).isCloseTo(1.0, within(1e-6));
            assertThat(answer.path("predictions").get(i).asText())
                    .as("row %d", i)
                    .isEqualTo(CLASSES.get(batch.predicted(i)));
        }
    }

    @Test
    void the_readme_multiclass_example_is_a_valid_request() throws Exception {
        String readme =
                Files.readString(AdultModelFixture.examples().getParent().resolve("README.md"));
        String start = "/models/adult_marital_status/predict\" -d '";
        int from = readme.indexOf(start) + start.length();
        String body = readme.substring(from, readme.indexOf("' | jq", from));
        var a = server.post("/models/" + MODEL + "/predict", Role.VIEWER, body);
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        System.out.println("README multiclass example answered: " + a.body());
        assertThat(a.json().path("predictions").get(0).asText()).isIn(CLASSES);
        assertThat(a.json().path("probabilities").get(0).size()).isEqualTo(CLASSES.size());
    }

    /** The first raw test rows of the run's split, as a client would send them: without the label. */
    private static List<Map<String, Object>> testRows(int n) throws Exception {
        String test = AdultModelFixture.taskOutput(server, DAG_ID, run, "split")
                .path("test")
                .asText();
        List<Map<String, Object>> rows = new ArrayList<>();
        try (DuckDb db = DuckDb.open(Files.createTempDirectory("duck"), "256MB", 1)) {
            Rows.forEach(
                    db,
                    "(SELECT * EXCLUDE (marital_group) FROM " + DuckDb.parquet(store.localPath(test)) + " LIMIT " + n
                            + ")",
                    rows::add);
        }
        return rows;
    }
}
