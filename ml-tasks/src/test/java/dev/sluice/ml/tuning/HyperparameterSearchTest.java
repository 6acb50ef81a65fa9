package dev.sluice.ml.tuning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.sluice.ml.model.FeatureMatrix;
import dev.sluice.ml.model.Label;
import dev.sluice.ml.model.Metrics;
import dev.sluice.ml.model.Problem;
import dev.sluice.ml.model.Trainer;
import dev.sluice.ml.model.XgbTrainer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HyperparameterSearchTest {
    private static final Label BINARY = Label.binary("y", null);
    private final StringWriter logText = new StringWriter();
    private final PrintWriter log = new PrintWriter(logText, true);

    /** y = (a > 0) XOR (b > 0), 5 % of labels flipped, three columns of noise: only trees of depth ≥ 2 can see it. */
    private static FeatureMatrix xor(int n, long seed) {
        Random r = new Random(seed);
        int cols = 5;
        float[] x = new float[n * cols];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < cols; c++) x[i * cols + c] = (float) r.nextGaussian();
            boolean label = (x[i * cols] > 0) ^ (x[i * cols + 1] > 0);
            if (r.nextDouble() < 0.05) label = !label;
            y[i] = label ? 1 : 0;
        }
        return new FeatureMatrix(x, n, cols, y, List.of("a", "b", "n1", "n2", "n3"));
    }

    private static Trainer xgb(Problem problem, Map<String, Object> params, int rounds) {
        return new Trainer("xgboost", problem, 0, params, rounds, 100, 1.0, 50, 42, 1);
    }

    private static SearchSpec spec(
            SearchSpec.Method method, Map<String, List<Object>> params, int trials, int folds, String metric) {
        java.util.TreeMap<String, SearchSpec.Domain> space = new java.util.TreeMap<>();
        params.forEach((k, v) -> space.put(k, new SearchSpec.Choices(v)));
        return new SearchSpec(method, space, trials, folds, metric, 200);
    }

    @Test
    void grid_search_picks_the_depth_that_sees_the_interaction_by_plain_k_fold_scores() throws Exception {
        FeatureMatrix m = xor(1500, 1);
        Trainer base = xgb(Problem.CLASSIFICATION, Map.of("eta", 0.3), 15);
        SearchSpec spec = spec(SearchSpec.Method.GRID, Map.of("max_depth", List.of(1, 4)), 0, 3, "roc_auc");
        HyperparameterSearch.Result result = HyperparameterSearch.run(spec, m, BINARY, base, 42, log);

        assertThat(result.trials())
                .extracting(HyperparameterSearch.Trial::params)
                .containsExactly(Map.of("max_depth", 1), Map.of("max_depth", 4));
        assertThat(result.bestTrial().params()).isEqualTo(Map.of("max_depth", 4));
        assertThat(result.trials().get(0).cv().mean("roc_auc")).isLessThan(0.65);
        assertThat(result.trials().get(1).cv().mean("roc_auc")).isGreaterThan(0.9);
        assertThat(logText.toString()).contains("search 2/2 {max_depth=4}: roc_auc 0.9");

        // The same numbers the long way: the folds by hand, XGBoost called directly, ROC-AUC per held-out fold.
        Folds folds = Folds.stratified(m.labels(), 3, 42);
        for (HyperparameterSearch.Trial t : result.trials()) {
            double[] auc = new double[3];
            for (int f = 0; f < 3; f++) {
                List<Integer> in = new ArrayList<>(), out = new ArrayList<>();
                for (int r = 0; r < m.rows(); r++) (folds.foldOf(r) == f ? out : in).add(r);
                FeatureMatrix train = rows(m, in), held = rows(m, out);
                var model = XgbTrainer.fit(
                        train,
                        Problem.CLASSIFICATION,
                        Map.of("eta", 0.3, "max_depth", t.params().get("max_depth")),
                        15,
                        42,
                        1);
                auc[f] = (double)
                        Metrics.classification(held.labels(), model.predict(held.data(), held.rows(), held.cols()), 0.5)
                                .get("roc_auc");
            }
            double mean = (auc[0] + auc[1] + auc[2]) / 3;
            assertThat(t.cv().values("roc_auc")).containsExactly(auc);
            assertThat(t.cv().mean("roc_auc")).isCloseTo(mean, within(1e-15));
        }

        Map<String, Object> report = result.report();
        assertThat(report)
                .containsEntry("method", "grid")
                .containsEntry("metric", "roc_auc")
                .containsEntry("folds", 3)
                .containsEntry("candidates", 2)
                .containsEntry("fits", 6);
        assertThat(map(report.get("best")))
                .containsEntry("params", Map.of("max_depth", 4))
                .containsEntry("index", 1);
        assertThat((List<?>) report.get("results"))
                .hasSize(2)
                .allSatisfy(row -> assertThat(map(row)).containsKeys("params", "mean", "std", "scores"));
        assertThat((List<?>) result.summary().get("results"))
                .allSatisfy(row -> assertThat(map(row)).containsOnlyKeys("params", "mean", "std"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    private static FeatureMatrix rows(FeatureMatrix m, List<Integer> rows) {
        float[] x = new float[rows.size() * m.cols()];
        float[] y = new float[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(m.data(), rows.get(i) * m.cols(), x, i * m.cols(), m.cols());
            y[i] = m.labels()[rows.get(i)];
        }
        return new FeatureMatrix(x, rows.size(), m.cols(), y, m.features());
    }

    @Test
    void a_tie_goes_to_the_earlier_candidate() throws Exception {
        FeatureMatrix m = xor(600, 2);
        // 0 and 0.0 are different values to the search but the same gamma to XGBoost: identical models and scores.
        SearchSpec spec = spec(SearchSpec.Method.GRID, Map.of("gamma", List.of(0, 0.0)), 0, 3, "log_loss");
        HyperparameterSearch.Result result =
                HyperparameterSearch.run(spec, m, BINARY, xgb(Problem.CLASSIFICATION, Map.of(), 5), 42, log);
        assertThat(result.trials().get(1).cv().mean("log_loss"))
                .isEqualTo(result.trials().get(0).cv().mean("log_loss"));
        assertThat(result.best()).isZero();
        assertThat(HyperparameterSearch.better(Double.NaN, 0.5, false)).isFalse();
        assertThat(HyperparameterSearch.better(0.5, Double.NaN, true)).isTrue();
    }

    @Test
    void random_search_is_reproducible_for_a_seed_and_differs_for_another() throws Exception {
        FeatureMatrix m = xor(800, 3);
        SearchSpec spec = spec(
                SearchSpec.Method.RANDOM,
                Map.of("max_depth", List.of(1, 2, 3, 4, 5, 6), "eta", List.of(0.1, 0.3, 0.5)),
                4,
                3,
                "roc_auc");
        Trainer base = xgb(Problem.CLASSIFICATION, Map.of(), 8);
        HyperparameterSearch.Result a = HyperparameterSearch.run(spec, m, BINARY, base, 42, log);
        HyperparameterSearch.Result b = HyperparameterSearch.run(spec, m, BINARY, base, 42, log);
        HyperparameterSearch.Result c = HyperparameterSearch.run(spec, m, BINARY, base, 7, log);
        assertThat(a.trials()).hasSize(4);
        assertThat(b.summary()).isEqualTo(a.summary());
        assertThat(b.best()).isEqualTo(a.best());
        assertThat(c.trials())
                .extracting(HyperparameterSearch.Trial::params)
                .isNotEqualTo(a.trials().stream()
                        .map(HyperparameterSearch.Trial::params)
                        .toList());
        assertThat(base.with(a.bestTrial().params()).fit(m).bytes())
                .isEqualTo(base.with(b.bestTrial().params()).fit(m).bytes());
    }

    /** y = 1 + x·w + N(0, 0.5²) for 8 features: little data, so a huge penalty hurts. */
    private static FeatureMatrix linear(int n, long seed) {
        Random r = new Random(seed);
        int cols = 8;
        float[] x = new float[n * cols];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            double z = 1;
            for (int c = 0; c < cols; c++) {
                x[i * cols + c] = (float) r.nextGaussian();
                z += (c + 1) * 0.5 * x[i * cols + c];
            }
            y[i] = (float) (z + 0.5 * r.nextGaussian());
        }
        List<String> names = new ArrayList<>();
        for (int c = 0; c < cols; c++) names.add("x" + c);
        return new FeatureMatrix(x, n, cols, y, names);
    }

    @Test
    void a_loss_is_minimised_and_a_score_maximised() throws Exception {
        FeatureMatrix m = linear(300, 4);
        Label label = Label.regression("y");
        Trainer ridge = new Trainer("linear_regression", Problem.REGRESSION, 0, Map.of(), 0, 0, 1.0, 0, 42, 1);
        List<Object> l2 = List.of(10_000.0, 0.01, 1000.0);
        HyperparameterSearch.Result rmse = HyperparameterSearch.run(
                spec(SearchSpec.Method.GRID, Map.of("l2", l2), 0, 5, "rmse"), m, label, ridge, 1, log);
        HyperparameterSearch.Result r2 = HyperparameterSearch.run(
                spec(SearchSpec.Method.GRID, Map.of("l2", l2), 0, 5, "r2"), m, label, ridge, 1, log);
        assertThat(rmse.bestTrial().params()).isEqualTo(Map.of("l2", 0.01));
        assertThat(r2.bestTrial().params()).isEqualTo(Map.of("l2", 0.01));
        assertThat(rmse.trials().get(1).cv().mean("rmse"))
                .isLessThan(rmse.trials().get(2).cv().mean("rmse"));
        assertThat(rmse.trials().get(2).cv().mean("rmse"))
                .isLessThan(rmse.trials().get(0).cv().mean("rmse"));
    }

    @Test
    void cross_validation_alone_reports_every_metric_with_mean_and_population_std() throws Exception {
        FeatureMatrix m = xor(900, 5);
        CrossValidation cv = CrossValidation.run(
                m,
                BINARY,
                CrossValidation.folds(m, Problem.CLASSIFICATION, 4, 42),
                xgb(Problem.CLASSIFICATION, Map.of("max_depth", 4, "eta", 0.3), 15));
        Map<String, Object> summary = cv.summary();
        assertThat(summary.keySet())
                .containsExactly("folds", "accuracy", "precision", "recall", "f1", "roc_auc", "pr_auc", "log_loss");
        assertThat(summary).containsEntry("folds", 4);
        double[] auc = cv.values("roc_auc");
        assertThat(auc).hasSize(4);
        double mean = (auc[0] + auc[1] + auc[2] + auc[3]) / 4;
        double var = 0;
        for (double v : auc) var += (v - mean) * (v - mean);
        assertThat(map(summary.get("roc_auc")))
                .containsEntry("mean", cv.mean("roc_auc"))
                .containsEntry("std", cv.std("roc_auc"));
        assertThat(cv.mean("roc_auc")).isCloseTo(mean, within(1e-15));
        assertThat(cv.std("roc_auc"))
                .isCloseTo(Math.sqrt(var / 4), within(1e-15))
                .isPositive();
        assertThat(cv.mean("roc_auc")).isGreaterThan(0.85);
    }

    @Test
    void a_multiclass_forest_is_searched_on_stratified_folds_by_one_vs_rest_auc() throws Exception {
        // Three classes by the sign pattern of a and b: a < 0 → 0, a ≥ 0 and b < 0 → 1, else 2.
        FeatureMatrix base = xor(900, 7);
        float[] y = new float[base.rows()];
        for (int i = 0; i < y.length; i++) y[i] = base.data()[5 * i] < 0 ? 0 : base.data()[5 * i + 1] < 0 ? 1 : 2;
        FeatureMatrix m = new FeatureMatrix(base.data(), base.rows(), base.cols(), y, base.features());
        Label label = Label.multiclass("y", List.of("p", "q", "r"));
        Trainer forest = new Trainer("random_forest", Problem.MULTICLASS, 3, Map.of(), 0, 20, 1.0, 0, 42, 1);
        HyperparameterSearch.Result result = HyperparameterSearch.run(
                spec(SearchSpec.Method.GRID, Map.of("max_depth", List.of(1, 4)), 0, 3, "roc_auc_ovr"),
                m,
                label,
                forest,
                42,
                log);
        assertThat(result.bestTrial().params()).isEqualTo(Map.of("max_depth", 4));
        assertThat(result.bestTrial().cv().mean("roc_auc_ovr")).isGreaterThan(0.95);
        assertThat(result.bestTrial().cv().summary()).containsKeys("accuracy", "f1_macro", "roc_auc_ovr", "log_loss");
    }

    @Test
    void fits_beyond_max_fits_and_a_failing_candidate_are_refused_by_name() {
        FeatureMatrix m = xor(200, 6);
        java.util.TreeMap<String, SearchSpec.Domain> space =
                new java.util.TreeMap<>(Map.of("max_depth", new SearchSpec.Choices(List.of(1, 2, 3))));
        SearchSpec tooBig = new SearchSpec(SearchSpec.Method.GRID, space, 0, 5, "roc_auc", 10);
        assertThatThrownBy(() ->
                        HyperparameterSearch.run(tooBig, m, BINARY, xgb(Problem.CLASSIFICATION, Map.of(), 3), 1, log))
                .hasMessage("search needs 15 fits, more than search.max_fits (10)");
        SearchSpec bad = spec(SearchSpec.Method.GRID, Map.of("max_depth", List.of(2, -3)), 0, 2, "roc_auc");
        assertThatThrownBy(() ->
                        HyperparameterSearch.run(bad, m, BINARY, xgb(Problem.CLASSIFICATION, Map.of(), 3), 1, log))
                .hasMessageStartingWith("search candidate {max_depth=-3} failed:");
    }
}
