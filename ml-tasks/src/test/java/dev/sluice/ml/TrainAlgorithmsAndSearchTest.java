package dev.sluice.ml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.ml.artifact.LocalArtifactStore;
import dev.sluice.ml.data.DuckDb;
import dev.sluice.ml.data.Rows;
import dev.sluice.ml.model.LoadedModel;
import dev.sluice.ml.model.Metrics;
import dev.sluice.ml.model.XgbPredictor;
import dev.sluice.ml.task.EvaluateTask;
import dev.sluice.ml.task.IngestTask;
import dev.sluice.ml.task.PreprocessTask;
import dev.sluice.ml.task.TrainTask;
import dev.sluice.task.TaskFailedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * ml.train's random forest, linear regression, k-fold metrics and hyperparameter search through the task type, on
 * UCI Adult as the example DAG reads it: trained on adult-train.csv, scored on adult-test.csv's raw rows by
 * ml.evaluate (the serving path).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrainAlgorithmsAndSearchTest {
    private Path home;
    private DataSource ds;
    private LocalArtifactStore store;
    private String testRows;
    private Map<String, Object> income;
    private Map<String, Object> age;

    @BeforeAll
    void prepare() throws Exception {
        home = Files.createTempDirectory("sluice-ml-train");
        ds = TestDb.dataSource();
        store = LocalArtifactStore.inHome(home);
        Object train = new IngestTask()
                .execute(AdultData.ingest("adult-train.csv", home)
                        .service(DataSource.class, ds)
                        .build())
                .output()
                .get("dataset");
        testRows = (String) new IngestTask()
                .execute(AdultData.ingest("adult-test.csv", home)
                        .service(DataSource.class, ds)
                        .build())
                .output()
                .get("dataset");
        income = new PreprocessTask()
                .execute(TestTaskContext.task("preprocess")
                        .home(home)
                        .service(DataSource.class, ds)
                        .config("train", train)
                        .config("label", "income")
                        .build())
                .output();
        age = new PreprocessTask()
                .execute(TestTaskContext.task("preprocess_age")
                        .home(home)
                        .service(DataSource.class, ds)
                        .config("train", train)
                        .config("label", "age")
                        .build())
                .output();
    }

    private Map<String, Object> train(String id, Map<String, Object> preprocess, Map<String, Object> config)
            throws Exception {
        // One XGBoost thread: OpenMP threads that spin on a machine busy with other builds can make a fit many times
        // slower.
        TestTaskContext.Builder b = TestTaskContext.task(id)
                .home(home)
                .service(DataSource.class, ds)
                .upstream("preprocess", preprocess)
                .config("threads", 1);
        if (preprocess == income) b.config("label", "income").config("positive_class", ">50K");
        else b.config("label", "age").config("problem", "regression");
        config.forEach(b::config);
        return new TrainTask().execute(b.build()).output();
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> evaluate(Map<String, Object> trained) throws Exception {
        return (Map<String, Object>) new EvaluateTask()
                .execute(TestTaskContext.task("evaluate")
                        .home(home)
                        .upstream("train", trained)
                        .config("dataset", testRows)
                        .build())
                .output()
                .get("metrics");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @Test
    void a_random_forest_ranks_adult_test_rows_well_and_retrains_to_the_same_bytes() throws Exception {
        long t0 = System.nanoTime();
        Map<String, Object> forest = train("train_rf", income, Map.of("algorithm", "random_forest"));
        double seconds = (System.nanoTime() - t0) / 1e9;
        Map<String, Object> metrics = evaluate(forest);
        System.out.printf(
                "random forest on Adult: 100 trees in %.1f s, test roc_auc %.4f, accuracy %.4f, log_loss %.4f%n",
                seconds, metrics.get("roc_auc"), metrics.get("accuracy"), metrics.get("log_loss"));
        assertThat((double) metrics.get("roc_auc")).isGreaterThan(0.85);
        assertThat(forest).containsEntry("algorithm", "random_forest");

        LoadedModel model = LoadedModel.load(store, (String) forest.get("bundle"));
        assertThat(model.bundle().algorithm()).isEqualTo("random_forest");
        assertThat(model.predictor()).isInstanceOf(XgbPredictor.class);
        assertThat(model.bundle().params())
                .containsEntry("trees", 100)
                .containsEntry("max_depth", 10)
                .containsEntry("subsample", 0.8)
                .containsEntry("colsample_bynode", 0.8);

        Map<String, Object> again = train("train_rf_again", income, Map.of("algorithm", "random_forest"));
        assertThat(again.get("model")).isEqualTo(forest.get("model"));
        assertThat(again.get("bundle")).isEqualTo(forest.get("bundle"));
        assertThat(train("train_rf_seed", income, Map.of("algorithm", "random_forest", "seed", 7))
                        .get("model"))
                .isNotEqualTo(forest.get("model"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void a_grid_search_cross_validates_every_candidate_refits_the_best_and_records_it() throws Exception {
        Map<String, Object> search = Map.of(
                "method", "grid", "folds", 3, "params", Map.of("max_depth", List.of(2, 5), "eta", List.of(0.1, 0.3)));
        long t0 = System.nanoTime();
        Map<String, Object> out = train("train_search", income, Map.of("rounds", 30, "search", search));
        double seconds = (System.nanoTime() - t0) / 1e9;

        Map<String, Object> report = map(out.get("search"));
        List<Map<String, Object>> results = (List<Map<String, Object>>) report.get("results");
        System.out.printf(
                "grid search on Adult (%d rows): 4 candidates x 3 folds of 30 rounds + refit in %.1f s (search %.1f s): %s%n",
                out.get("rows"),
                seconds,
                report.get("seconds"),
                results.stream().map(r -> r.get("params") + "=" + r.get("mean")).toList());
        assertThat(report)
                .containsEntry("method", "grid")
                .containsEntry("metric", "roc_auc")
                .containsEntry("folds", 3)
                .containsEntry("candidates", 4)
                .containsEntry("fits", 12);
        assertThat(results)
                .extracting(r -> r.get("params"))
                .containsExactly(
                        Map.of("eta", 0.1, "max_depth", 2), Map.of("eta", 0.1, "max_depth", 5),
                        Map.of("eta", 0.3, "max_depth", 2), Map.of("eta", 0.3, "max_depth", 5));
        int bestIndex = 0;
        for (int i = 0; i < results.size(); i++) {
            assertThat((List<Double>) results.get(i).get("scores")).hasSize(3);
            if ((double) results.get(i).get("mean")
                    > (double) results.get(bestIndex).get("mean")) bestIndex = i;
        }
        Map<String, Object> best = map(report.get("best"));
        assertThat(best.get("index")).isEqualTo(bestIndex);
        Map<String, Object> bestParams = (Map<String, Object>) best.get("params");
        assertThat(bestParams).isEqualTo(results.get(bestIndex).get("params"));

        // The best candidate's folds are the reported cv metrics; the model is refitted on every row with its params.
        Map<String, Object> cv = map(map(out.get("metrics")).get("cv"));
        assertThat(cv).containsEntry("folds", 3);
        assertThat(map(cv.get("roc_auc")).get("mean")).isEqualTo(best.get("mean"));
        LoadedModel model = LoadedModel.load(store, (String) out.get("bundle"));
        assertThat(model.bundle().params()).containsAllEntriesOf(bestParams).containsEntry("rounds", 30);
        assertThat(map(model.bundle().params().get("search")))
                .containsEntry("method", "grid")
                .containsEntry("metric", "roc_auc")
                .containsEntry("candidates", 4)
                .containsEntry("mean", best.get("mean"));
        List<Map<String, Object>> raw = readRows(testRows, 200);
        List<Object> actual = new ArrayList<>();
        for (Map<String, Object> r : raw) actual.add(r.remove("income"));
        double[] p = model.score(raw);
        float[] y = new float[p.length];
        for (int i = 0; i < y.length; i++) y[i] = ">50K".equals(actual.get(i)) ? 1 : 0;
        assertThat((double) Metrics.classification(y, p, 0.5).get("roc_auc")).isGreaterThan(0.85);
        assertThat((double) evaluate(out).get("roc_auc")).isGreaterThan(0.9);

        try (Connection c = ds.getConnection();
                PreparedStatement st = c.prepareStatement(
                        "SELECT params::text, metrics::text FROM ml_experiment_run WHERE task_id = ? AND stage = 'train'")) {
            st.setString(1, "train_search");
            try (ResultSet r = st.executeQuery()) {
                assertThat(r.next()).isTrue();
                JsonNode params = Json.MAPPER.readTree(r.getString(1));
                JsonNode metrics = Json.MAPPER.readTree(r.getString(2));
                assertThat(params.path("max_depth").asInt()).isEqualTo(bestParams.get("max_depth"));
                assertThat(params.path("eta").asDouble()).isEqualTo(bestParams.get("eta"));
                assertThat(params.path("search").path("method").asText()).isEqualTo("grid");
                assertThat(params.path("search").path("space").path("max_depth").size())
                        .isEqualTo(2);
                assertThat(metrics.path("search").path("results").size()).isEqualTo(4);
                assertThat(metrics.path("search").path("results").get(0).has("scores"))
                        .isFalse();
                assertThat(metrics.path("search")
                                .path("results")
                                .get(0)
                                .path("std")
                                .isNumber())
                        .isTrue();
                assertThat(metrics.path("cv").path("roc_auc").path("mean").asDouble())
                        .isEqualTo(best.get("mean"));
            }
        }

        Map<String, Object> again = train("train_search_again", income, Map.of("rounds", 30, "search", search));
        assertThat(map(map(again.get("search")).get("best")).get("params")).isEqualTo(bestParams);
        assertThat(again.get("model")).isEqualTo(out.get("model"));
        assertThat(again.get("bundle")).isEqualTo(out.get("bundle"));
    }

    @Test
    void cv_folds_alone_reports_k_fold_metrics_and_logistic_regression_uses_the_threads() throws Exception {
        Map<String, Object> one =
                train("train_lr_cv", income, Map.of("algorithm", "logistic_regression", "cv_folds", 5, "threads", 1));
        Map<String, Object> cv = map(map(one.get("metrics")).get("cv"));
        System.out.println("logistic regression 5-fold cv on Adult: " + cv);
        assertThat(cv).containsEntry("folds", 5).containsKeys("accuracy", "f1", "roc_auc", "pr_auc", "log_loss");
        assertThat((double) map(cv.get("roc_auc")).get("mean")).isBetween(0.88, 0.93);
        assertThat((double) map(cv.get("roc_auc")).get("std")).isBetween(1e-5, 0.02);
        assertThat(one).doesNotContainKey("search");
        // Summed in fixed blocks: the thread count does not change one bit of the model.
        Map<String, Object> two =
                train("train_lr_threads", income, Map.of("algorithm", "logistic_regression", "threads", 2));
        assertThat(two.get("model")).isEqualTo(one.get("model"));
    }

    @Test
    void linear_regression_predicts_age_and_search_chooses_its_penalty() throws Exception {
        Map<String, Object> linear = train("train_linear", age, Map.of("algorithm", "linear_regression"));
        Map<String, Object> metrics = evaluate(linear);
        Map<String, Object> forest =
                evaluate(train("train_rf_age", age, Map.of("algorithm", "random_forest", "trees", 50)));
        System.out.printf(
                "age on Adult test rows: linear regression rmse %.3f r2 %.4f; random forest rmse %.3f r2 %.4f%n",
                metrics.get("rmse"), metrics.get("r2"), forest.get("rmse"), forest.get("r2"));
        assertThat((double) metrics.get("r2")).isGreaterThan(0.3);
        assertThat((double) forest.get("r2")).isGreaterThan(0.3);
        assertThat(LoadedModel.load(store, (String) linear.get("bundle"))
                        .bundle()
                        .algorithm())
                .isEqualTo("linear_regression");
        assertThat(train("train_linear_threads", age, Map.of("algorithm", "linear_regression", "threads", 2))
                        .get("model"))
                .isEqualTo(linear.get("model"));

        Map<String, Object> searched = train(
                "train_linear_search",
                age,
                Map.of(
                        "algorithm",
                        "linear_regression",
                        "search",
                        Map.of("params", Map.of("l2", List.of(1, 1_000_000)), "folds", 3)));
        Map<String, Object> report = map(searched.get("search"));
        assertThat(report).containsEntry("metric", "rmse");
        assertThat(map(report.get("best")).get("params")).isEqualTo(Map.of("l2", 1));
        assertThat(LoadedModel.load(store, (String) searched.get("bundle"))
                        .bundle()
                        .params())
                .containsEntry("l2", 1.0);
    }

    @Test
    void bad_configs_are_refused_naming_the_fields() {
        TrainTask type = new TrainTask();
        assertThat(type.validate(Map.of("label", "income", "algorithm", "linear_regression")))
                .singleElement()
                .asString()
                .contains("algorithm: linear_regression is for problem: regression, not problem: classification");
        assertThat(type.validate(Map.of("label", "income", "algorithm", "gbm")))
                .singleElement()
                .asString()
                .isEqualTo(
                        "algorithm must be one of xgboost, random_forest, logistic_regression, linear_regression, got \"gbm\"");
        assertThat(type.validate(Map.of("label", "income", "algorithm", "random_forest", "params", Map.of("eta", 0.1))))
                .singleElement()
                .asString()
                .startsWith("params.eta is fixed for algorithm: random_forest");
        assertThat(type.validate(Map.of(
                        "label",
                        "income",
                        "algorithm",
                        "random_forest",
                        "params",
                        Map.of("subsample", 1, "colsample_bynode", 1.0))))
                .singleElement()
                .asString()
                .contains("params.subsample and params.colsample_bynode are both 1");
        assertThat(type.validate(
                        Map.of("label", "income", "algorithm", "random_forest", "params", Map.of("subsample", 1.5))))
                .containsExactly("params.subsample must be above 0 and at most 1, got 1.5");
        assertThat(type.validate(Map.of("label", "income", "trees", 0)))
                .containsExactly("trees must be a whole number of at least 1, got 0");
        assertThat(type.validate(Map.of("label", "income", "l2", -1)))
                .containsExactly("l2 must be a number of at least 0, got -1");
        assertThat(type.validate(Map.of("label", "income", "cv_folds", 1)))
                .containsExactly("cv_folds must be a whole number of at least 2, got 1");
        assertThat(type.validate(Map.of("label", "income", "cv_folds", "{{ params.k }}")))
                .isEmpty();
        assertThat(type.validate(Map.of(
                        "label", "income", "cv_folds", 5, "search", Map.of("params", Map.of("max_depth", List.of(3))))))
                .containsExactly("cv_folds and search both cross-validate: set search.folds instead of cv_folds");
        assertThat(type.validate(Map.of(
                        "label",
                        "income",
                        "search",
                        Map.of("method", "halving", "folds", 1, "params", Map.of("max_depth", List.of())))))
                .containsExactly(
                        "search.method must be grid or random, got \"halving\"",
                        "search.folds must be at least 2, got 1",
                        "search.params.max_depth must be a non-empty list");
        assertThat(type.validate(Map.of(
                        "label",
                        "age",
                        "problem",
                        "regression",
                        "search",
                        Map.of("metric", "roc_auc", "params", Map.of("eta", List.of(0.1))))))
                .singleElement()
                .asString()
                .isEqualTo("search.metric must be one of [rmse, mae, r2] for problem: regression, got \"roc_auc\"");
        Map<String, Object> huge = new LinkedHashMap<>(Map.of("label", "income", "threads", 1));
        huge.put(
                "search",
                Map.of("params", Map.of("max_depth", List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)), "folds", 20));
        assertThatThrownBy(() -> train("train_huge", income, huge))
                .isInstanceOf(TaskFailedException.class)
                .hasMessageStartingWith(
                        "invalid ml.train config: search needs 220 fits (11 candidates × 20 folds), more than search.max_fits (200)");
    }

    private List<Map<String, Object>> readRows(String ref, int limit) throws Exception {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (DuckDb db = DuckDb.open(home, "256MB", 1)) {
            Rows.forEach(
                    db, "(SELECT * FROM " + DuckDb.parquet(store.localPath(ref)) + " LIMIT " + limit + ")", rows::add);
        }
        return rows;
    }
}
