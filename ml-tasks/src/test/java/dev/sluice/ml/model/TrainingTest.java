package dev.sluice.ml.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

    @Test
    void logistic_regression_refuses_missing_values_naming_the_feature() {
        FeatureMatrix m = data(10, 1, false);
        m.data()[3] = Float.NaN;
        assertThatThrownBy(() -> LogisticRegression.fit(m, 1.0, 10, 1e-8)).hasMessageContaining("feature b has missing values");
    }

    @Test
    void xgboost_regression_fits_and_round_trips_through_its_bytes() throws Exception {
        FeatureMatrix m = data(2000, 2, true);
        XgbPredictor model = XgbTrainer.fit(m, Problem.REGRESSION, Map.of("max_depth", 3), 50, 7, 1);
        double[] p = model.predict(m.data(), m.rows(), m.cols());
        assertThat((double) Metrics.regression(m.labels(), p).get("r2")).isGreaterThan(0.9);
        assertThat(XgbPredictor.load(model.bytes()).predict(m.data(), m.rows(), m.cols())).containsExactly(p);
        XgbPredictor again = XgbTrainer.fit(m, Problem.REGRESSION, Map.of("max_depth", 3), 50, 7, 1);
        assertThat(again.bytes()).isEqualTo(model.bytes());
    }
}
