package dev.sluice.ml.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LinearRegressionTest {
    /** y = 3 + 2a - 1.5b + 0.5c + N(0, 0.1²). */
    private static FeatureMatrix known(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n * 3];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            float a = (float) r.nextGaussian();
            float b = (float) r.nextGaussian();
            float c = (float) (r.nextDouble() * 4 - 2);
            x[3 * i] = a;
            x[3 * i + 1] = b;
            x[3 * i + 2] = c;
            y[i] = (float) (3 + 2 * a - 1.5 * b + 0.5 * c + 0.1 * r.nextGaussian());
        }
        return new FeatureMatrix(x, n, 3, y, List.of("a", "b", "c"));
    }

    @Test
    void recovers_known_coefficients_and_round_trips_through_its_bytes() {
        FeatureMatrix m = known(5000, 1);
        LinearRegression ols = LinearRegression.fit(m, 0.0, 1);
        assertThat(ols.intercept()).isCloseTo(3.0, within(0.01));
        assertThat(ols.weights()).containsExactly(new double[] {2.0, -1.5, 0.5}, within(0.01));
        double[] p = ols.predict(m.data(), m.rows(), m.cols());
        assertThat((double) Metrics.regression(m.labels(), p).get("r2")).isGreaterThan(0.99);
        assertThat(LinearRegression.load(ols.bytes()).predict(m.data(), m.rows(), m.cols()))
                .containsExactly(p);

        // The penalty pulls the weights towards 0 and leaves the intercept alone: with centred features the
        // intercept stays the mean of y however large l2 gets.
        LinearRegression ridge = LinearRegression.fit(m, 1e6, 1);
        assertThat(Math.abs(ridge.weights()[0])).isLessThan(0.05);
        double meanY = 0;
        for (float v : m.labels()) meanY += v;
        meanY /= m.rows();
        assertThat(ridge.intercept()).isCloseTo(meanY, within(0.05));
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
            y[i] = (float) (10 + a - 0.5 * b + (cat - 2) * 0.7 + r.nextGaussian());
        }
        return new FeatureMatrix(x, n, cols, y, List.of("a", "b", "c0", "c1", "c2", "c3", "c4"));
    }

    @Test
    void is_bit_identical_on_any_thread_count_and_equals_the_plain_dense_normal_equations() {
        FeatureMatrix m = sparse(50_000, 3);
        // A full one-hot group plus an intercept is collinear: the penalty is what makes the solution unique.
        LinearRegression one = LinearRegression.fit(m, 1.0, 1);
        assertThat(LinearRegression.fit(m, 1.0, 2).bytes()).isEqualTo(one.bytes());
        assertThat(LinearRegression.fit(m, 1.0, 4).bytes()).isEqualTo(one.bytes());

        // The same fit written the plain dense way: every row, every pair of columns, one running sum.
        int p = m.cols() + 1;
        double[][] a = new double[p][p];
        double[] b = new double[p];
        for (int r = 0; r < m.rows(); r++) {
            double[] x = new double[p];
            x[0] = 1;
            for (int c = 0; c < m.cols(); c++) x[c + 1] = m.data()[r * m.cols() + c];
            for (int i = 0; i < p; i++) {
                b[i] += x[i] * m.labels()[r];
                for (int j = 0; j < p; j++) a[i][j] += x[i] * x[j];
            }
        }
        for (int i = 1; i < p; i++) a[i][i] += 1.0;
        double[] beta = DenseSolve.solve(a, b);
        assertThat(one.intercept()).isCloseTo(beta[0], within(1e-9));
        assertThat(one.weights()).containsExactly(java.util.Arrays.copyOfRange(beta, 1, p), within(1e-9));
    }

    @Test
    void refuses_missing_values_naming_the_feature() {
        FeatureMatrix m = known(10, 1);
        m.data()[5] = Float.NaN;
        assertThatThrownBy(() -> LinearRegression.fit(m, 1.0, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("feature c has missing values");
    }

    @Test
    void without_a_penalty_a_column_that_adds_nothing_is_named() {
        FeatureMatrix base = known(200, 2);
        float[] x = new float[200 * 4];
        for (int i = 0; i < 200; i++) {
            System.arraycopy(base.data(), i * 3, x, i * 4, 3);
            x[i * 4 + 3] = base.data()[i * 3] * 2 - base.data()[i * 3 + 1]; // d = 2a - b
        }
        FeatureMatrix m = new FeatureMatrix(x, 200, 4, base.labels(), List.of("a", "b", "c", "d"));
        assertThatThrownBy(() -> LinearRegression.fit(m, 0.0, 1))
                .hasMessageContaining("feature d is constant or a linear combination of other features")
                .hasMessageContaining("raise l2");
        assertThat(LinearRegression.fit(m, 1.0, 1).predict(m.data(), 1, 4)[0]).isFinite();
    }
}
