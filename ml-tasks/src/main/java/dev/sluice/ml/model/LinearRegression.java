package dev.sluice.ml.model;

import java.util.Arrays;
import java.util.concurrent.ForkJoinPool;

/**
 * Ridge regression: least squares with an L2 penalty on the weights (never on the intercept), solved in one step
 * from the normal equations (XᵀX + l2·I)·β = Xᵀy by Cholesky. No randomness and a fixed summation order, as in
 * {@link LogisticRegression}: the same data gives bit-identical weights on any number of threads. Suits the tens to
 * low hundreds of features a preprocessed table has; it refuses missing values (impute them first).
 */
public final class LinearRegression implements Predictor {
    private final LinearWeights w;

    public LinearRegression(double intercept, double[] weights) {
        this.w = new LinearWeights(intercept, weights);
    }

    /**
     * Fits on {@code threads} threads, bit-identical whatever their number (see {@link WeightedGram}). With {@code l2} 0 (ordinary least squares) a feature that is constant or a linear
     * combination of others has no unique weight, and the fit fails naming it.
     */
    public static LinearRegression fit(FeatureMatrix m, double l2, int threads) {
        if (!(l2 >= 0)) throw new IllegalArgumentException("l2 must be at least 0, got " + l2);
        int p = m.cols() + 1; // index 0 is the intercept, not penalised
        WeightedGram.requireComplete(m, "linear regression");
        if (m.rows() == 0) throw new IllegalArgumentException("linear regression needs at least one row");
        WeightedGram.RowTerms leastSquares = (row, z, gw) -> {
            gw[0] = m.labels()[row];
            gw[1] = 1;
        };
        WeightedGram.Sums sums;
        ForkJoinPool pool = threads > 1 ? new ForkJoinPool(threads) : null;
        try {
            sums = WeightedGram.of(m, null, leastSquares, pool);
        } finally {
            if (pool != null) pool.shutdown();
        }
        double[] xty = sums.vector();
        double[] xtx = sums.upper();
        for (int a = 1; a < p; a++) xtx[a * p + a] += l2;
        for (int a = 0; a < p; a++) for (int b = 0; b < a; b++) xtx[a * p + b] = xtx[b * p + a];
        double[] l = Cholesky.lower(xtx, p);
        for (int a = 1; a < p; a++) {
            // A pivot that is (almost) nothing of its diagonal: the column is (almost) explained by the ones before.
            double pivot = l[a * p + a] * l[a * p + a];
            if (pivot <= Math.max(1e-10 * xtx[a * p + a], Cholesky.MIN_PIVOT)) {
                throw new IllegalArgumentException(
                        "feature " + m.features().get(a - 1) + " is constant or a linear combination of"
                                + " other features, so its weight is not determined at l2 = " + l2
                                + ": raise l2 or drop the column");
            }
        }
        double[] beta = Cholesky.solve(l, xty, p);
        return new LinearRegression(beta[0], Arrays.copyOfRange(beta, 1, p));
    }

    public double intercept() {
        return w.intercept();
    }

    public double[] weights() {
        return w.weights().clone();
    }

    @Override
    public double[] predict(float[] rowMajor, int rows, int cols) {
        return w.linear(rowMajor, rows, cols);
    }

    @Override
    public byte[] bytes() {
        return w.bytes();
    }

    public static LinearRegression load(byte[] bytes) {
        LinearWeights w = LinearWeights.read(bytes);
        return new LinearRegression(w.intercept(), w.weights());
    }
}
