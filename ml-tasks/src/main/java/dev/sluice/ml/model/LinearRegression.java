package dev.sluice.ml.model;

import java.util.Arrays;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * Ridge regression: least squares with an L2 penalty on the weights (never on the intercept), solved in one step
 * from the normal equations (XᵀX + l2·I)·β = Xᵀy by Cholesky. No randomness and a fixed summation order, as in
 * {@link LogisticRegression}: the same data gives bit-identical weights on any number of threads. Suits the tens to
 * low hundreds of features a preprocessed table has; it refuses missing values (impute them first).
 */
public final class LinearRegression implements Predictor {
    /** Rows per partial sum: fixed, so the summation order does not depend on the thread count. */
    private static final int BLOCK = 16_384;

    private final LinearWeights w;

    public LinearRegression(double intercept, double[] weights) {
        this.w = new LinearWeights(intercept, weights);
    }

    /**
     * Fits on {@code threads} threads: rows are summed in fixed blocks of {@value #BLOCK} whose partial sums are
     * added in block order. With {@code l2} 0 (ordinary least squares) a feature that is constant or a linear
     * combination of others has no unique weight, and the fit fails naming it.
     */
    public static LinearRegression fit(FeatureMatrix m, double l2, int threads) {
        if (!(l2 >= 0)) throw new IllegalArgumentException("l2 must be at least 0, got " + l2);
        int p = m.cols() + 1; // index 0 is the intercept, not penalised
        for (int i = 0; i < m.data().length; i++) {
            if (Float.isNaN(m.data()[i])) {
                throw new IllegalArgumentException("feature " + m.features().get(i % m.cols())
                        + " has missing values: linear regression needs them imputed (ml.preprocess impute)");
            }
        }
        if (m.rows() == 0) throw new IllegalArgumentException("linear regression needs at least one row");
        int blocks = (m.rows() + BLOCK - 1) / BLOCK;
        double[][] partial = new double[blocks][];
        IntStream range = IntStream.range(0, blocks);
        if (threads <= 1 || blocks == 1) {
            range.forEach(blk -> partial[blk] = normalSums(m, blk));
        } else {
            ForkJoinPool pool = new ForkJoinPool(threads);
            try {
                pool.submit(() -> range.parallel().forEach(blk -> partial[blk] = normalSums(m, blk))).join();
            } finally {
                pool.shutdown();
            }
        }
        double[] xty = new double[p];
        double[] xtx = new double[p * p]; // upper triangle summed
        for (double[] s : partial) {
            for (int a = 0; a < p; a++) xty[a] += s[a];
            for (int k = 0; k < p * p; k++) xtx[k] += s[p + k];
        }
        for (int a = 1; a < p; a++) xtx[a * p + a] += l2;
        for (int a = 0; a < p; a++) for (int b = 0; b < a; b++) xtx[a * p + b] = xtx[b * p + a];
        double[] l = Cholesky.lower(xtx, p);
        for (int a = 1; a < p; a++) {
            // A pivot that is (almost) nothing of its diagonal: the column is (almost) explained by the ones before.
            double pivot = l[a * p + a] * l[a * p + a];
            if (pivot <= Math.max(1e-10 * xtx[a * p + a], Cholesky.MIN_PIVOT)) {
                throw new IllegalArgumentException("feature " + m.features().get(a - 1) + " is constant or a linear combination of"
                        + " other features, so its weight is not determined at l2 = " + l2 + ": raise l2 or drop the column");
            }
        }
        double[] beta = Cholesky.solve(l, xty, p);
        return new LinearRegression(beta[0], Arrays.copyOfRange(beta, 1, p));
    }

    /**
     * Xᵀy (first p values) and the upper triangle of XᵀX (next p·p) of one block of rows, with the intercept's
     * column of ones at index 0. Only a row's non-zero features are visited: after one-hot encoding most are zero.
     */
    private static double[] normalSums(FeatureMatrix m, int block) {
        int cols = m.cols();
        int p = cols + 1;
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
            int base = r * cols;
            for (int c = 0; c < cols; c++) {
                float v = data[base + c];
                if (v == 0) continue;
                nz[k] = c + 1;
                xv[k++] = v;
            }
            double y = m.labels()[r];
            for (int i = 0; i < k; i++) {
                int a = nz[i];
                double xa = xv[i];
                out[a] += xa * y;
                int row = p + a * p;
                for (int j = i; j < k; j++) out[row + nz[j]] += xa * xv[j];
            }
        }
        return out;
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
