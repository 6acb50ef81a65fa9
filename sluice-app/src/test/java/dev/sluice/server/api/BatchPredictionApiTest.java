package dev.sluice.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.ml.artifact.LocalArtifactStore;
import dev.sluice.ml.data.DuckDb;
import dev.sluice.server.auth.Role;
import dev.sluice.server.http.ApiJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The nightly scoring step against the served model: a run trains and deploys a binary XGBoost model and a
 * multiclass one (text labels) and scores the test split with ml.predict; the same rows POSTed to
 * /api/v1/models/{name}/predict must come back with the very predictions and probabilities of the Parquet output.
 * Doubles are compared with ==: Jackson writes the shortest text that reads back to the same double.
 */
class BatchPredictionApiTest {
    static final String DAG_ID = "batch_scoring_api";
    static final String CHURN = "batch_scoring_churn";
    static final String PLAN = "batch_scoring_plan";
    static final List<String> INPUTS = List.of("age", "income", "region", "premium");
    static final String DAG = """
            id: batch_scoring_api
            params:
              file: {type: string, default: "%s"}
              seed: {type: integer, default: 1}
            defaults: {retries: 0}
            tasks:
              - id: ingest
                type: ml.ingest
                config: {path: "{{ params.file }}", source: csv}
              - id: split
                type: ml.split
                depends_on: [ingest]
                config: {dataset: "{{ tasks.ingest.output.dataset }}", method: stratified, stratify_column: plan, seed: "{{ params.seed }}"}
              - id: prep_churn
                type: ml.preprocess
                depends_on: [split]
                config:
                  label: outcome
                  numeric: [age, income]
                  categorical: [region]
                  boolean: [premium]
                  train: "{{ tasks.split.output.train }}"
                  validation: "{{ tasks.split.output.validation }}"
                  test: "{{ tasks.split.output.test }}"
              - id: prep_plan
                type: ml.preprocess
                depends_on: [split]
                config:
                  label: plan
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
                  label: outcome
                  positive_class: left
                  rounds: 20
                  threads: 1
                  train: "{{ tasks.prep_churn.output.train }}"
                  validation: "{{ tasks.prep_churn.output.validation }}"
                  transform: "{{ tasks.prep_churn.output.transform }}"
              - id: train_plan
                type: ml.train
                depends_on: [prep_plan]
                config:
                  label: plan
                  problem: multiclass
                  rounds: 15
                  threads: 1
                  train: "{{ tasks.prep_plan.output.train }}"
                  validation: "{{ tasks.prep_plan.output.validation }}"
                  transform: "{{ tasks.prep_plan.output.transform }}"
              - id: deploy_churn
                type: ml.deploy
                depends_on: [train_churn]
                config: {model_name: batch_scoring_churn, bundle: "{{ tasks.train_churn.output.bundle }}"}
              - id: deploy_plan
                type: ml.deploy
                depends_on: [train_plan]
                config: {model_name: batch_scoring_plan, bundle: "{{ tasks.train_plan.output.bundle }}"}
              - id: score_churn
                type: ml.predict
                depends_on: [deploy_churn]
                config:
                  model_name: batch_scoring_churn
                  alias: champion
                  dataset: "{{ tasks.split.output.test }}"
                  keep_columns: [customer_id, age, income, region, premium]
              - id: score_plan
                type: ml.predict
                depends_on: [deploy_plan]
                config:
                  model_name: batch_scoring_plan
                  dataset: "{{ tasks.split.output.test }}"
                  keep_columns: [customer_id, age, income, region, premium]
            """;

    static ApiServer server;
    static String run;
    static LocalArtifactStore store;

    @BeforeAll
    static void trainDeployAndScore() throws Exception {
        server = ApiServer.shared();
        Path csv = customers(Files.createTempDirectory("sluice-batch-scoring").resolve("customers.csv"));
        Files.writeString(
                server.app.config.home().resolve("dags").resolve(DAG_ID + ".yaml"), DAG.formatted(csv.toString()));
        server.app.dagSync.sync();
        run = AdultModelFixture.run(server, DAG_ID, 5);
        store = LocalArtifactStore.inHome(server.app.config.home());
    }

    @Test
    void the_predict_api_answers_each_scored_row_with_the_parquet_outputs_label_and_probability() throws Exception {
        JsonNode out = AdultModelFixture.taskOutput(server, DAG_ID, run, "score_churn");
        assertThat(out.path("version").asInt()).isEqualTo(1);
        List<Map<String, Object>> scored = rows(out.path("predictions").asText());
        assertThat(scored).hasSize(out.path("rows").asInt()).hasSizeGreaterThan(250);
        assertThat(scored.get(0).keySet())
                .containsExactly("customer_id", "age", "income", "region", "premium", "prediction", "probability");
        int i = 0;
        for (List<Map<String, Object>> chunk : chunks(scored, 100)) {
            JsonNode answer = predict(CHURN, chunk);
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
        assertThat(scored.stream().map(r -> r.get("prediction")).distinct())
                .containsExactlyInAnyOrder("left", "stayed");
    }

    @Test
    void a_multiclass_models_answers_match_every_probability_column() throws Exception {
        JsonNode out = AdultModelFixture.taskOutput(server, DAG_ID, run, "score_plan");
        List<Map<String, Object>> scored = rows(out.path("predictions").asText());
        List<String> classes = List.of("basic", "plus", "pro");
        for (String c : classes) assertThat(scored.get(0)).containsKey("probability_" + c);
        int i = 0;
        for (List<Map<String, Object>> chunk : chunks(scored, 100)) {
            JsonNode answer = predict(PLAN, chunk);
            for (int j = 0; j < chunk.size(); j++, i++) {
                Map<String, Object> row = chunk.get(j);
                assertThat(row.get("prediction"))
                        .as("row %d", i)
                        .isEqualTo(answer.path("predictions").get(j).asText());
                JsonNode probabilities = answer.path("probabilities").get(j);
                List<String> served = new ArrayList<>();
                probabilities.fieldNames().forEachRemaining(served::add);
                assertThat(served).isEqualTo(classes);
                for (String c : classes) {
                    double p = probabilities.path(c).asDouble();
                    assertThat((double) row.get("probability_" + c) == p)
                            .as("row %d, %s: %s vs %s", i, c, row.get("probability_" + c), p)
                            .isTrue();
                }
            }
        }
    }

    private static JsonNode predict(String model, List<Map<String, Object>> scored) throws Exception {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Map<String, Object> s : scored) {
            Map<String, Object> r = new LinkedHashMap<>();
            for (String c : INPUTS) r.put(c, s.get(c));
            rows.add(r);
        }
        var a = server.post(
                "/models/" + model + "/predict", Role.VIEWER, ApiJson.MAPPER.writeValueAsString(Map.of("rows", rows)));
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        return a.json();
    }

    private static <T> List<List<T>> chunks(List<T> all, int size) {
        List<List<T>> out = new ArrayList<>();
        for (int i = 0; i < all.size(); i += size) out.add(all.subList(i, Math.min(all.size(), i + size)));
        return out;
    }

    /** A dataset artifact's rows as JDBC gives them (a BIGINT as a Long, a DOUBLE as a Double). */
    private static List<Map<String, Object>> rows(String ref) throws Exception {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (DuckDb db = DuckDb.open(Files.createTempDirectory("duck"), "256MB", 1);
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

    /** 2,000 customers: id, age, income (2 % missing), region, premium (true/false), outcome and plan labels. */
    private static Path customers(Path file) throws Exception {
        Random r = new Random(23);
        String[] regions = {"north", "south", "east", "west"};
        StringBuilder csv = new StringBuilder("customer_id,age,income,region,premium,outcome,plan\n");
        for (int i = 0; i < 2000; i++) {
            int age = 18 + r.nextInt(60);
            double income = Math.round((20_000 + r.nextGaussian() * 8_000 + age * 600) * 100) / 100.0;
            String region = regions[r.nextInt(regions.length)];
            boolean premium = r.nextDouble() < 0.3;
            double z = -1.5
                    + (age - 45) * 0.04
                    + (premium ? -1.0 : 0.5)
                    + (region.equals("south") ? 0.8 : 0)
                    + r.nextGaussian() * 0.7;
            double spend = income + r.nextGaussian() * 6_000;
            csv.append(5_000_000L + i)
                    .append(',')
                    .append(age)
                    .append(',')
                    .append(r.nextDouble() < 0.02 ? "" : Double.toString(income))
                    .append(',')
                    .append(region)
                    .append(',')
                    .append(premium)
                    .append(',')
                    .append(z > 0 ? "left" : "stayed")
                    .append(',')
                    .append(spend > 52_000 ? "pro" : spend > 38_000 ? "plus" : "basic")
                    .append('\n');
        }
        Files.writeString(file, csv);
        return file;
    }
}
