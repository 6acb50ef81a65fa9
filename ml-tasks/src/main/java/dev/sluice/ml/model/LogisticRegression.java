package dev.sluice.ml.model;

import java.util.Arrays;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * L2-regularised binary logistic regression fitted by Newton's method (IRLS) with a Cholesky solve. No
 * randomness and a fixed summation order: the same data gives bit-identical weights on any number of threads. Suits the tens to low hundreds of
 * features a preprocessed table has; it refuses missing values (impute them first).
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
     * Fits on {@code threads} threads. The rows are summed in fixed blocks of {@value #BLOCK} whose partial sums
     * are added in block order, so the weights are bit-identical whatever the thread count.
     */
    public static LogisticRegression fit(FeatureMatrix m, double l2, int maxIterations, double tolerance, int threads) {
        int p = m.cols() + 1; // index 0 is the intercept, not penalised
        for (int i = 0; i < m.data().length; i++) {
            if (Float.isNaN(m.data()[i])) {
                throw new IllegalArgumentException("feature " + m.features().get(i % m.cols())
                        + " has missing values: logistic regression needs them imputed (ml.preprocess impute)");
            }
        }
        int blocks = (m.rows() + BLOCK - 1) / BLOCK;
        double[] beta = new double[p];
        ForkJoinPool pool = threads > 1 ? new ForkJoinPool(threads) : null;
        try {
            for (int iter = 0; iter < maxIterations; iter++) {
                double[][] partial = new double[blocks][];
                double[] current = beta;
                IntStream range = IntStream.range(0, blocks);
                if (pool == null) {
                    range.forEach(blk -> partial[blk] = newtonSums(m, current, blk));
                } else {
                    pool.submit(() -> range.parallel().forEach(blk -> partial[blk] = newtonSums(m, current, blk))).join();
                }
                double[] grad = new double[p];
                double[] hess = new double[p * p]; // upper triangle used
                for (double[] s : partial) {
                    for (int a = 0; a < p; a++) grad[a] += s[a];
                    for (int k = 0; k < p * p; k++) hess[k] += s[p + k];
                }
                for (int a = 1; a < p; a++) {
                    grad[a] += l2 * beta[a];
                    hess[a * p + a] += l2;
                }
                hess[0] += 1e-9; // keeps the system positive definite when a column is constant
                for (int a = 0; a < p; a++) for (int b = 0; b < a; b++) hess[a * p + b] = hess[b * p + a];
                double[] step = Cholesky.solve(Cholesky.lower(hess, p), grad, p);
                double maxStep = 0;
                beta = beta.clone();
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

    /** Rows per partial sum: fixed, so the summation order does not depend on the thread count. */
    private static final int BLOCK = 16_384;

    /**
     * Gradient (first p values) and upper-triangle Hessian (next p·p) of one block of rows. Only a row's non-zero
     * features are visited: after one-hot encoding most are zero, and the Hessian costs nnz², not p².
     */
    private static double[] newtonSums(FeatureMatrix m, double[] beta, int block) {
        int p = beta.length;
        int cols = m.cols();
        float[] data = m.data();
        double[] out = new double[p + p * p];
        int[] nz = new int[p];
        double[] xv = new double[p];
        int from = block * BLOCK;
        int to = Math.min(m.rows(), from + BLOCK);
        for (int r = from; r < to; r++) {
            int k = 0;
            nz[k] = 0;
            xv[k++] = 1;
            double z = beta[0];
            int base = r * cols;
            for (int c = 0; c < cols; c++) {
                float v = data[base + c];
                if (v == 0) continue;
                nz[k] = c + 1;
                xv[k++] = v;
                z += beta[c + 1] * v;
            }
            double mu = sigmoid(z);
            double w = Math.max(mu * (1 - mu), 1e-10);
            double g = mu - m.labels()[r];
            for (int i = 0; i < k; i++) {
                int a = nz[i];
                double xa = xv[i];
                out[a] += g * xa;
                double wxa = w * xa;
                int row = p + a * p;
                for (int j = i; j < k; j++) out[row + nz[j]] += wxa * xv[j];
            }
        }
        return out;
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
