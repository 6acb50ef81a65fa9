package dev.sluice.ml.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TrainingTest {
    /** y = 1 when 2a - b + noise > 0. */
    private static FeatureMatrix data(int n, long seed, boolean regression) {
        Random r = new Random(seed);
        float[] x = new float[n * 2];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            float a = (float) r.nextGaussian();
            float b = (float) r.nextGaussian();
            x[2 * i] = a;
            x[2 * i + 1] = b;
            double z = 2 * a - b + 0.3 * r.nextGaussian();
            y[i] = regression ? (float) z : z > 0 ? 1 : 0;
        }
        return new FeatureMatrix(x, n, 2, y, List.of("a", "b"));
    }

    @Test
    void logistic_regression_recovers_the_direction_and_is_deterministic() {
        FeatureMatrix m = data(2000, 1, false);
        LogisticRegression a = LogisticRegression.fit(m, 1.0, 50, 1e-10);
        LogisticRegression b = LogisticRegression.fit(m, 1.0, 50, 1e-10);
        assertThat(a.bytes()).isEqualTo(b.bytes());
        double[] p = a.predict(m.data(), m.rows(), m.cols());
        Map<String, Object> metrics = Metrics.classification(m.labels(), p, 0.5);
        assertThat((double) metrics.get("roc_auc")).isGreaterThan(0.98);
        double[] round = LogisticRegression.load(a.bytes()).predict(m.data(), m.rows(), m.cols());
        assertThat(round).containsExactly(p);
    }

    /** Two numeric columns and a one-hot group of 5 (mostly zeros), as after preprocessing; 50,000 rows, 4 blocks. */
    private static FeatureMatrix sparse(int n, long seed) {
        Random r = new Random(seed);
        int cols = 7;
        float[] x = new float[n * cols];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            float a = (float) r.nextGaussian();
            float b = (float) r.nextGaussian();
            int cat = r.nextInt(5);
            x[i * cols] = a;
            x[i * cols + 1] = b;
            x[i * cols + 2 + cat] = 1;
            double z = a - 0.5 * b + (cat - 2) * 0.7 + r.nextGaussian();
            y[i] = z > 0 ? 1 : 0;
        }
        return new FeatureMatrix(x, n, cols, y, List.of("a", "b", "c0", "c1", "c2", "c3", "c4"));
    }

    @Test
    void logistic_regression_is_bit_identical_on_any_thread_count_and_matches_textbook_newton() {
        FeatureMatrix m = sparse(50_000, 3);
        LogisticRegression one = LogisticRegression.fit(m, 1.0, 50, 1e-10, 1);
        LogisticRegression two = LogisticRegression.fit(m, 1.0, 50, 1e-10, 2);
        LogisticRegression four = LogisticRegression.fit(m, 1.0, 50, 1e-10, 4);
        assertThat(two.bytes()).isEqualTo(one.bytes());
        assertThat(four.bytes()).isEqualTo(one.bytes());

        // The same fit written the plain dense way: every row, every pair of columns, one running sum.
        int p = m.cols() + 1;
        double[] beta = new double[p];
        for (int iter = 0; iter < 50; iter++) {
            double[] g = new double[p];
            double[][] h = new double[p][p];
            for (int r = 0; r < m.rows(); r++) {
                double[] x = new double[p];
                x[0] = 1;
                for (int c = 0; c < m.cols(); c++) x[c + 1] = m.data()[r * m.cols() + c];
                double z = 0;
                for (int c = 0; c < p; c++) z += beta[c] * x[c];
                double mu = 1 / (1 + Math.exp(-z));
                for (int a = 0; a < p; a++) {
                    g[a] += (mu - m.labels()[r]) * x[a];
                    for (int b = 0; b < p; b++) h[a][b] += mu * (1 - mu) * x[a] * x[b];
                }
            }
            for (int a = 1; a < p; a++) {
                g[a] += beta[a];
                h[a][a] += 1;
            }
            double[] step = DenseSolve.solve(h, g);
            for (int c = 0; c < p; c++) beta[c] -= step[c];
        }
        double[] mine = one.predict(m.data(), m.rows(), m.cols());
        for (int r = 0; r < m.rows(); r += 997) {
            double z = beta[0];
            for (int c = 0; c < m.cols(); c++) z += beta[c + 1] * m.data()[r * m.cols() + c];
            assertThat(mine[r])
                    .as("row %d", r)
                    .isCloseTo(1 / (1 + Math.exp(-z)), org.assertj.core.api.Assertions.within(1e-9));
        }
    }

    @Test
    void logistic_regression_refuses_missing_values_naming_the_feature() {
        FeatureMatrix m = data(10, 1, false);
        m.data()[3] = Float.NaN;
        assertThatThrownBy(() -> LogisticRegression.fit(m, 1.0, 10, 1e-8))
                .hasMessageContaining("feature b has missing values");
    }

    @Test
    void xgboost_multiclass_gives_one_probability_per_class_and_is_deterministic() throws Exception {
        // Three classes by the sign pattern of a and b: a < 0 → 0, a ≥ 0 and b < 0 → 1, else 2.
        FeatureMatrix base = data(3000, 3, false);
        float[] y = new float[base.rows()];
        for (int i = 0; i < y.length; i++) y[i] = base.data()[2 * i] < 0 ? 0 : base.data()[2 * i + 1] < 0 ? 1 : 2;
        FeatureMatrix m = new FeatureMatrix(base.data(), base.rows(), 2, y, base.features());

        XgbPredictor model = XgbTrainer.fitMulticlass(m, 3, Map.of("max_depth", 3), 30, 7, 2);
        double[] p = model.predict(m.data(), m.rows(), m.cols());
        assertThat(p).hasSize(3 * m.rows());
        ClassProbabilities probabilities = new ClassProbabilities(List.of("a", "b", "c"), p);
        for (int i = 0; i < m.rows(); i++) {
            assertThat(probabilities.get(i, 0) + probabilities.get(i, 1) + probabilities.get(i, 2))
                    .isCloseTo(1.0, within(1e-6));
        }
        assertThat((double) Metrics.multiclass(y, probabilities).get("accuracy"))
                .isGreaterThan(0.97);
        assertThat(XgbPredictor.load(model.bytes()).predict(m.data(), m.rows(), m.cols()))
                .containsExactly(p);
        assertThat(XgbTrainer.fitMulticlass(m, 3, Map.of("max_depth", 3), 30, 7, 2)
                        .bytes())
                .isEqualTo(model.bytes());
        // The user's params cannot turn the probabilities into something serving would mislabel.
        XgbPredictor softmax =
                XgbTrainer.fitMulticlass(m, 3, Map.of("objective", "multi:softmax", "num_class", 5), 5, 7, 1);
        assertThat(softmax.predict(m.data(), 2, m.cols())).hasSize(6);
    }

    @Test
    void xgboost_regression_fits_and_round_trips_through_its_bytes() throws Exception {
        FeatureMatrix m = data(2000, 2, true);
        XgbPredictor model = XgbTrainer.fit(m, Problem.REGRESSION, Map.of("max_depth", 3), 50, 7, 1);
        double[] p = model.predict(m.data(), m.rows(), m.cols());
        assertThat((double) Metrics.regression(m.labels(), p).get("r2")).isGreaterThan(0.9);
        assertThat(XgbPredictor.load(model.bytes()).predict(m.data(), m.rows(), m.cols()))
                .containsExactly(p);
        XgbPredictor again = XgbTrainer.fit(m, Problem.REGRESSION, Map.of("max_depth", 3), 50, 7, 1);
        assertThat(again.bytes()).isEqualTo(model.bytes());
    }
}
