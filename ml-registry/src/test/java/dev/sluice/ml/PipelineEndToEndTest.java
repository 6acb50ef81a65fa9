package dev.sluice.ml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import dev.sluice.ml.artifact.LocalArtifactStore;
import dev.sluice.ml.data.DuckDb;
import dev.sluice.ml.data.Rows;
import dev.sluice.ml.drift.PredictionDrift;
import dev.sluice.ml.model.LoadedModel;
import dev.sluice.ml.registry.ModelRegistry;
import dev.sluice.ml.registry.ModelVersion;
import dev.sluice.ml.serving.InvalidInputException;
import dev.sluice.ml.serving.Prediction;
import dev.sluice.ml.serving.PredictionResult;
import dev.sluice.ml.serving.PredictionService;
import dev.sluice.task.TaskFailedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The example DAG's task chain on the real UCI Adult training file (32,561 rows) against real PostgreSQL:
 * ingest → validate_data → split → preprocess → feature → train → evaluate (gate) → deploy, then serving.
 * Ordered: later tests build on the registry state of earlier ones.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PipelineEndToEndTest {
    private AdultPipeline p;
    private LocalArtifactStore store;
    private ModelRegistry registry;

    @BeforeAll
    void runPipeline() throws Exception {
        Path home = Files.createTempDirectory("sluice-ml-e2e");
        p = new AdultPipeline(home, TestDb.dataSource());
        store = LocalArtifactStore.inHome(home);
        registry = new ModelRegistry(p.ds);
        p.prepare();
        p.train("train", Map.of());
        p.evaluate("evaluate", "train", Map.of());
        p.deploy("deploy", "evaluate");
    }

    @Test
    @Order(1)
    void the_pipeline_deploys_a_good_model_as_champion_version_1() {
        Map<String, Object> split = p.outputs.get("split");
        assertThat((long) split.get("train_rows") + (long) split.get("validation_rows") + (long) split.get("test_rows"))
                .isEqualTo(32_561L);
        @SuppressWarnings("unchecked")
        Map<String, Object> metrics =
                (Map<String, Object>) p.outputs.get("evaluate").get("metrics");
        assertThat((double) metrics.get("roc_auc")).isGreaterThan(0.90);
        assertThat((double) metrics.get("accuracy")).isGreaterThan(0.84);
        assertThat(p.outputs.get("deploy")).containsEntry("version", 1).containsEntry("alias", "champion");
        ModelVersion champion = registry.byAlias("adult_income", "champion").orElseThrow();
        assertThat(champion.version()).isEqualTo(1);
        assertThat(champion.metrics()).containsKey("roc_auc");
        assertThat(champion.inputSchema())
                .containsEntry("age", "number")
                .containsEntry("native_country", "string")
                .doesNotContainKey("income");
        assertThat(champion.details())
                .containsEntry("trained_on", p.outputs.get("feature").get("train"));
    }

    @Test
    @Order(2)
    void deploying_the_champion_s_own_bundle_again_registers_nothing() throws Exception {
        Map<String, Object> again = p.deploy("deploy_again", "evaluate");
        assertThat(again).containsEntry("version", 1).containsEntry("unchanged", true);
        assertThat(registry.versions("adult_income")).hasSize(1);
    }

    @Test
    @Order(2)
    void task_outputs_carry_only_artifact_references_and_lineage_is_recorded() throws Exception {
        assertThat(p.outputs.get("split").get("train")).asString().matches("sha256:[0-9a-f]{64}");
        String trainHash = ((String) p.outputs.get("split").get("train")).substring(7);
        try (Connection c = p.ds.getConnection();
                ResultSet r = c.createStatement()
                        .executeQuery(
                                "SELECT l.task_id, l.direction FROM artifact a JOIN artifact_lineage l ON l.artifact_id = a.id WHERE a.hash = '"
                                        + trainHash + "' ORDER BY l.id")) {
            List<String> links = new ArrayList<>();
            while (r.next()) links.add(r.getString(1) + ":" + r.getString(2));
            assertThat(links).containsExactly("split:produced", "preprocess:consumed");
        }
        try (Connection c = p.ds.getConnection();
                ResultSet r = c.createStatement()
                        .executeQuery("SELECT count(*) FROM ml_experiment_run WHERE stage IN ('train', 'evaluate')")) {
            r.next();
            assertThat(r.getInt(1)).isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    @Order(3)
    void prediction_service_equals_batch_predictions_on_the_transformed_test_split() throws Exception {
        ModelVersion v = registry.byAlias("adult_income", "champion").orElseThrow();
        LoadedModel model = LoadedModel.load(store, v.bundleRef());
        List<Map<String, Object>> raw = readRows((String) p.outputs.get("split").get("test"), 500);
        List<Map<String, Object>> featured =
                readRows((String) p.outputs.get("feature").get("test"), 500);
        double[] batch = model.scoreTransformed(featured);

        raw.forEach(r -> r.remove("income"));
        PredictionService service = new PredictionService(registry, store, p.ds, 0.0, new Random(1));
        PredictionResult online = service.predict("adult_income", "champion", raw);

        assertThat(online.version()).isEqualTo(1);
        for (int i = 0; i < batch.length; i++) {
            // Identical float features go in; the batch path only went through Parquet doubles in between.
            assertThat(online.predictions().get(i).probability())
                    .as("row %d", i)
                    .isCloseTo(batch[i], within(1e-6));
        }
    }

    @Test
    @Order(4)
    void a_worse_challenger_is_refused_by_the_gate_and_the_champion_stays() throws Exception {
        p.train("train_weak", Map.of("rounds", 2, "params", Map.of("max_depth", 1)));

        assertThatThrownBy(() -> p.evaluate("evaluate_weak", "train_weak", Map.of("min", Map.of())))
                .isInstanceOf(TaskFailedException.class)
                .hasMessageContaining("evaluation gate failed: champion roc_auc")
                .hasMessageContaining("report sha256:");
        assertThat(registry.byAlias("adult_income", "champion").orElseThrow().version())
                .isEqualTo(1);
        assertThat(registry.versions("adult_income")).hasSize(1);
    }

    @Test
    @Order(5)
    void training_is_reproducible_to_the_byte() throws Exception {
        Map<String, Object> again = p.train("train_again", Map.of());
        assertThat(again.get("model")).isEqualTo(p.outputs.get("train").get("model"));
        assertThat(again.get("bundle")).isEqualTo(p.outputs.get("train").get("bundle"));

        Map<String, Object> lr1 = p.train("train_lr1", Map.of("algorithm", "logistic_regression"));
        Map<String, Object> lr2 = p.train("train_lr2", Map.of("algorithm", "logistic_regression"));
        assertThat(lr1.get("model")).isEqualTo(lr2.get("model"));
        assertThat(Files.readAllBytes(store.localPath((String) lr1.get("model"))))
                .isEqualTo(Files.readAllBytes(store.localPath((String) lr2.get("model"))));
    }

    @Test
    @Order(6)
    void a_better_model_becomes_champion_and_rollback_moves_the_alias_back() throws Exception {
        p.train("train_v2", Map.of("rounds", 120, "params", Map.of("max_depth", 5, "eta", 0.1)));
        p.evaluate("evaluate_v2", "train_v2", Map.of("champion_tolerance", 0.002));
        p.deploy("deploy_v2", "evaluate_v2");
        assertThat(registry.byAlias("adult_income", "champion").orElseThrow().version())
                .isEqualTo(2);
        assertThat(registry.models()).anySatisfy(m -> {
            assertThat(m.name()).isEqualTo("adult_income");
            assertThat(m.latestVersion()).isEqualTo(2);
            assertThat(m.aliases()).containsEntry("champion", 2);
        });

        assertThat(registry.rollback("adult_income", "champion").version()).isEqualTo(1);
        assertThat(registry.resolve("adult_income", "champion").version()).isEqualTo(1);
        assertThat(registry.resolve("adult_income", "v2").version()).isEqualTo(2);
        assertThatThrownBy(() -> registry.rollback("adult_income", "champion", 1))
                .isInstanceOf(IllegalArgumentException.class);
        registry.setAlias("adult_income", "champion", 2, "roll forward");
    }

    @Test
    @Order(7)
    void rows_not_matching_the_schema_are_refused_naming_the_field() throws Exception {
        PredictionService service = new PredictionService(registry, store, p.ds, 0.0, new Random(1));
        Map<String, Object> row = validRow();
        row.put("age", "forty");
        assertThatThrownBy(() -> service.predict("adult_income", "champion", List.of(row)))
                .isInstanceOfSatisfying(
                        InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("age"))
                .hasMessageContaining("expected a number");
        Map<String, Object> missing = validRow();
        missing.remove("sex");
        assertThatThrownBy(() -> service.predict("adult_income", "champion", List.of(validRow(), missing)))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> {
                    assertThat(e.field()).isEqualTo("sex");
                    assertThat(e.row()).isEqualTo(1);
                });
        Map<String, Object> typo = validRow();
        typo.put("hours-per-week", 40);
        assertThatThrownBy(() -> service.predict("adult_income", "champion", List.of(typo)))
                .isInstanceOfSatisfying(
                        InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("hours-per-week"));
        // Unknown values are fine: null is imputed, an unseen category gets all-zero one-hot columns.
        Map<String, Object> unusual = validRow();
        unusual.put("workclass", null);
        unusual.put("occupation", "Astronaut");
        Prediction pr = service.predict("adult_income", "1", List.of(unusual))
                .predictions()
                .get(0);
        assertThat(pr.probability()).isBetween(0.0, 1.0);
    }

    @Test
    @Order(8)
    void moving_the_champion_under_load_drops_no_request_and_logs_a_sample() throws Exception {
        PredictionService service = new PredictionService(registry, store, p.ds, 0.5, new Random(3));
        AtomicBoolean stop = new AtomicBoolean();
        Map<Integer, java.util.concurrent.atomic.AtomicInteger> served = new java.util.concurrent.ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<Integer>> clients = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            clients.add(pool.submit(() -> {
                int n = 0;
                while (!stop.get()) {
                    PredictionResult r = service.predict("adult_income", "champion", List.of(validRow()));
                    assertThat(r.predictions()).hasSize(1);
                    served.computeIfAbsent(r.version(), k -> new java.util.concurrent.atomic.AtomicInteger())
                            .incrementAndGet();
                    n++;
                }
                return n;
            }));
        }
        // Requests flow on version 2, then on 1 after the move, then on 2 again; a failed request fails its client.
        await().atMost(Duration.ofSeconds(30)).until(() -> count(served, 2) >= 50);
        registry.setAlias("adult_income", "champion", 1, "swap under load");
        await().atMost(Duration.ofSeconds(30)).until(() -> count(served, 1) >= 50);
        int before = count(served, 2);
        registry.setAlias("adult_income", "champion", 2, "swap back");
        await().atMost(Duration.ofSeconds(30)).until(() -> count(served, 2) >= before + 50);
        stop.set(true);
        int requests = 0;
        for (Future<Integer> f : clients) requests += f.get();
        pool.shutdown();
        Map<Integer, Integer> total = new HashMap<>();
        served.forEach((k, v) -> total.put(k, v.get()));
        assertThat(total.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(requests);

        assertThat(total).containsKeys(1, 2);
        assertThat(service.loadedVersions()).isEqualTo(2);
        try (Connection c = p.ds.getConnection();
                ResultSet r = c.createStatement()
                        .executeQuery(
                                "SELECT count(*), min(payload->'rows'->0->>'age') FROM prediction_log WHERE model_name = 'adult_income'")) {
            r.next();
            assertThat(r.getInt(1)).isBetween(1, requests - 1);
            assertThat(r.getString(2)).isEqualTo("39");
        }
    }

    @Test
    @Order(9)
    void served_inputs_are_compared_with_the_training_rows() throws Exception {
        PredictionService service = new PredictionService(registry, store, p.ds, 1.0, new Random(5));
        PredictionDrift drift = new PredictionDrift(registry, store, p.ds, p.home.resolve("tmp"));
        List<Map<String, Object>> rows =
                readRows((String) p.outputs.get("split").get("test"), 1000);
        rows.forEach(r -> r.remove("income"));

        Instant likeTraining = Instant.now();
        for (int i = 0; i < rows.size(); i += 50) service.predict("adult_income", "champion", rows.subList(i, i + 50));
        PredictionDrift.Report same = drift.report("adult_income", "champion", likeTraining, 10_000, 0.2);
        assertThat(same.requests()).isEqualTo(20);
        assertThat(same.rows()).isEqualTo(1000);
        assertThat(same.baselineDataset()).isEqualTo(p.outputs.get("split").get("train"));
        assertThat(same.psi())
                .containsOnlyKeys(registry.byAlias("adult_income", "champion")
                        .orElseThrow()
                        .inputSchema()
                        .keySet());
        assertThat(same.drifted()).isEmpty();
        assertThat(same.psi().values()).allSatisfy(v -> assertThat(v).isLessThan(0.1));

        Instant older = Instant.now();
        List<Map<String, Object>> aged = new ArrayList<>();
        for (Map<String, Object> r : rows) {
            Map<String, Object> copy = new LinkedHashMap<>(r);
            copy.put("age", ((Number) r.get("age")).doubleValue() + 25);
            aged.add(copy);
        }
        for (int i = 0; i < aged.size(); i += 50) service.predict("adult_income", "champion", aged.subList(i, i + 50));
        PredictionDrift.Report shifted = drift.report("adult_income", "champion", older, 10_000, 0.2);
        assertThat(shifted.rows()).isEqualTo(1000);
        assertThat(shifted.drifted()).containsExactly("age");
        assertThat(shifted.psi().get("age")).isGreaterThan(1.0);
    }

    private static int count(Map<Integer, java.util.concurrent.atomic.AtomicInteger> served, int version) {
        var c = served.get(version);
        return c == null ? 0 : c.get();
    }

    private static Map<String, Object> validRow() {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("age", 39);
        r.put("workclass", "State-gov");
        r.put("fnlwgt", 77516);
        r.put("education", "Bachelors");
        r.put("education_num", 13);
        r.put("marital_status", "Never-married");
        r.put("occupation", "Adm-clerical");
        r.put("relationship", "Not-in-family");
        r.put("race", "White");
        r.put("sex", "Male");
        r.put("capital_gain", 2174);
        r.put("capital_loss", 0);
        r.put("hours_per_week", 40);
        r.put("native_country", "United-States");
        return r;
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
