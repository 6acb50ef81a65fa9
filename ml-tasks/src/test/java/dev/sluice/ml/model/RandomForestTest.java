package dev.sluice.ml.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import java.util.Random;
import ml.dmlc.xgboost4j.java.XGBoost;
import org.junit.jupiter.api.Test;

class RandomForestTest {
    /** A smooth non-linear target: y = 2 sin(2a) + b² - c + N(0, 0.3²), plus two columns of noise. */
    private static FeatureMatrix curve(int n, long seed) {
        Random r = new Random(seed);
        int cols = 5;
        float[] x = new float[n * cols];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < cols; c++) x[i * cols + c] = (float) r.nextGaussian();
            float a = x[i * cols], b = x[i * cols + 1], c = x[i * cols + 2];
            y[i] = (float) (2 * Math.sin(2 * a) + b * b - c + 0.3 * r.nextGaussian());
        }
        return new FeatureMatrix(x, n, cols, y, List.of("a", "b", "c", "noise1", "noise2"));
    }

    @Test
    void regression_fits_unseen_rows_and_is_one_round_of_the_configured_trees() throws Exception {
        FeatureMatrix train = curve(4000, 1);
        FeatureMatrix test = curve(2000, 2);
        XgbPredictor forest = XgbTrainer.fitForest(train, Problem.REGRESSION, 0, Map.of(), 60, 7, 1);
        double r2 = (double) Metrics.regression(test.labels(), forest.predict(test.data(), test.rows(), test.cols()))
                .get("r2");
        System.out.printf("random forest regression: held-out R² %.4f%n", r2);
        assertThat(r2).isGreaterThan(0.8);
        // XGBoost's forest mode: every tree grown in the one round, none boosted on another's residuals.
        assertThat(XGBoost.loadModel(forest.bytes()).getModelDump("", false)).hasSize(60);
        assertThat(XgbTrainer.fitForest(train, Problem.REGRESSION, 0, Map.of(), 60, 7, 1)
                        .bytes())
                .isEqualTo(forest.bytes());
        assertThat(XgbTrainer.fitForest(train, Problem.REGRESSION, 0, Map.of(), 60, 8, 1)
                        .bytes())
                .isNotEqualTo(forest.bytes());
        // Its learning rate and tree count are the forest's own, whatever the params say.
        assertThat(XgbTrainer.fitForest(
                                train, Problem.REGRESSION, 0, Map.of("eta", 0.1, "num_parallel_tree", 3), 60, 7, 1)
                        .bytes())
                .isEqualTo(forest.bytes());
    }

    @Test
    void binary_classification_gives_probabilities_and_identical_bytes_on_retrain() throws Exception {
        FeatureMatrix base = curve(3000, 3);
        float[] y = new float[base.rows()];
        for (int i = 0; i < y.length; i++) y[i] = base.labels()[i] > 1 ? 1 : 0;
        FeatureMatrix m = new FeatureMatrix(base.data(), base.rows(), base.cols(), y, base.features());
        XgbPredictor forest = XgbTrainer.fitForest(m, Problem.CLASSIFICATION, 0, Map.of("max_depth", 6), 40, 7, 1);
        double[] p = forest.predict(m.data(), m.rows(), m.cols());
        assertThat(java.util.Arrays.stream(p).allMatch(v -> v > 0 && v < 1)).isTrue();
        assertThat((double) Metrics.classification(y, p, 0.5).get("roc_auc")).isGreaterThan(0.9);
        assertThat(XgbTrainer.fitForest(m, Problem.CLASSIFICATION, 0, Map.of("max_depth", 6), 40, 7, 1)
                        .bytes())
                .isEqualTo(forest.bytes());
        assertThat(XgbPredictor.load(forest.bytes()).predict(m.data(), m.rows(), m.cols()))
                .containsExactly(p);
    }

    @Test
    void multiclass_gives_one_probability_per_class_summing_to_one() throws Exception {
        // Three classes by the sign pattern of a and b: a < 0 → 0, a ≥ 0 and b < 0 → 1, else 2.
        FeatureMatrix base = curve(3000, 4);
        float[] y = new float[base.rows()];
        for (int i = 0; i < y.length; i++) y[i] = base.data()[5 * i] < 0 ? 0 : base.data()[5 * i + 1] < 0 ? 1 : 2;
        FeatureMatrix m = new FeatureMatrix(base.data(), base.rows(), base.cols(), y, base.features());
        XgbPredictor forest =
                XgbTrainer.fitForest(m, Problem.MULTICLASS, 3, Map.of("objective", "multi:softmax"), 30, 7, 1);
        ClassProbabilities p =
                new ClassProbabilities(List.of("x", "y", "z"), forest.predict(m.data(), m.rows(), m.cols()));
        assertThat(p.rows()).isEqualTo(m.rows());
        for (int i = 0; i < m.rows(); i++)
            assertThat(p.get(i, 0) + p.get(i, 1) + p.get(i, 2)).isCloseTo(1.0, within(1e-6));
        assertThat((double) Metrics.multiclass(y, p).get("accuracy")).isGreaterThan(0.95);
        // One tree per class per member of the forest.
        assertThat(XGBoost.loadModel(forest.bytes()).getModelDump("", false)).hasSize(90);
        assertThat(XgbTrainer.fitForest(m, Problem.MULTICLASS, 3, Map.of(), 30, 7, 1)
                        .bytes())
                .isEqualTo(forest.bytes());
    }
}
