package dev.sluice.ml.model;

import java.util.Arrays;
import java.util.concurrent.ForkJoinPool;

/**
 * L2-regularised binary logistic regression fitted by Newton's method (IRLS) with a Cholesky solve. No
 * randomness and a fixed summation order: the same data gives bit-identical weights on any number of threads.
 * Suits the tens to low hundreds of features a preprocessed table has; it refuses missing values (impute them
 * first).
 */
public final class LogisticRegression implements Predictor {
    private final LinearWeights w;

    public LogisticRegression(double intercept, double[] weights) {
        this.w = new LinearWeights(intercept, weights);
    }

    public static LogisticRegression fit(FeatureMatrix m, double l2, int maxIterations, double tolerance) {
        return fit(m, l2, maxIterations, tolerance, 1);
    }

    /**
     * Fits on {@code threads} threads; the weights are bit-identical whatever the thread count (see
     * {@link WeightedGram}).
     */
    public static LogisticRegression fit(FeatureMatrix m, double l2, int maxIterations, double tolerance, int threads) {
        int p = m.cols() + 1; // index 0 is the intercept, not penalised
        WeightedGram.requireComplete(m, "logistic regression");
        WeightedGram.RowTerms newton = (row, z, gw) -> {
            double mu = sigmoid(z);
            gw[0] = mu - m.labels()[row];
            gw[1] = Math.max(mu * (1 - mu), 1e-10);
        };
        double[] beta = new double[p];
        ForkJoinPool pool = threads > 1 ? new ForkJoinPool(threads) : null;
        try {
            for (int iter = 0; iter < maxIterations; iter++) {
                WeightedGram.Sums sums = WeightedGram.of(m, beta, newton, pool);
                double[] grad = sums.vector();
                double[] hess = sums.upper();
                for (int a = 1; a < p; a++) {
                    grad[a] += l2 * beta[a];
                    hess[a * p + a] += l2;
                }
                hess[0] += 1e-9; // keeps the system positive definite when a column is constant
                for (int a = 0; a < p; a++) for (int b = 0; b < a; b++) hess[a * p + b] = hess[b * p + a];
                double[] step = Cholesky.solve(Cholesky.lower(hess, p), grad, p);
                double maxStep = 0;
                for (int c = 0; c < p; c++) {
                    beta[c] -= step[c];
                    maxStep = Math.max(maxStep, Math.abs(step[c]));
                }
                if (maxStep < tolerance) break;
            }
        } finally {
            if (pool != null) pool.shutdown();
        }
        return new LogisticRegression(beta[0], Arrays.copyOfRange(beta, 1, p));
    }

    public double intercept() {
        return w.intercept();
    }

    public double[] weights() {
        return w.weights().clone();
    }

    private static double sigmoid(double z) {
        return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    }

    @Override
    public double[] predict(float[] rowMajor, int rows, int cols) {
        double[] z = w.linear(rowMajor, rows, cols);
        for (int r = 0; r < z.length; r++) z[r] = sigmoid(z[r]);
        return z;
    }

    @Override
    public byte[] bytes() {
        return w.bytes();
    }

    public static LogisticRegression load(byte[] bytes) {
        LinearWeights w = LinearWeights.read(bytes);
        return new LogisticRegression(w.intercept(), w.weights());
    }
}
