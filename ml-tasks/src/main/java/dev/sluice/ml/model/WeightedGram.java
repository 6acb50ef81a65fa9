package dev.sluice.ml.model;

import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * The sums linear models are fitted from, over the rows of a feature matrix with a leading column of ones:
 * Σ g·x (p values) and the upper triangle of Σ w·x·xᵀ (p·p values), where each row's g and w come from
 * {@link RowTerms}. Least squares uses g = y, w = 1 (Xᵀy and XᵀX); Newton's method for logistic regression the
 * gradient and Hessian weights. Two choices make it fast and exact:
 * <ul>
 *   <li>only a row's non-zero features are visited: after one-hot encoding most are zero, so a row costs nnz²,
 *       not p²;</li>
 *   <li>rows are summed in fixed blocks of {@value #BLOCK} whose partial sums are added in block order, so the
 *       result is bit-identical whatever the number of threads.</li>
 * </ul>
 */
final class WeightedGram {
    /** Rows per partial sum: fixed, so the summation order does not depend on the thread count. */
    static final int BLOCK = 16_384;

    /** A row's g and w, written to {@code gw[0]} and {@code gw[1]}, given z = β·x (0 without β). */
    interface RowTerms {
        void of(int row, double z, double[] gw);
    }

    /** The two sums of one fit, each over all rows. */
    record Sums(double[] vector, double[] upper) {}

    private WeightedGram() {}

    /** Linear models cannot score a missing value: refuse the matrix naming the first feature that has one. */
    static void requireComplete(FeatureMatrix m, String model) {
        for (int i = 0; i < m.data().length; i++) {
            if (Float.isNaN(m.data()[i])) {
                throw new IllegalArgumentException("feature " + m.features().get(i % m.cols()) + " has missing values: "
                        + model + " needs them imputed (ml.preprocess impute)");
            }
        }
    }

    /** The sums with {@code beta} (null: no z needed) on {@code pool} (null: this thread). */
    static Sums of(FeatureMatrix m, double[] beta, RowTerms terms, ForkJoinPool pool) {
        int p = m.cols() + 1;
        int blocks = (m.rows() + BLOCK - 1) / BLOCK;
        double[][] partial = new double[blocks][];
        IntStream range = IntStream.range(0, blocks);
        if (pool == null || blocks == 1) {
            range.forEach(blk -> partial[blk] = block(m, beta, terms, blk));
        } else {
            pool.submit(() -> range.parallel().forEach(blk -> partial[blk] = block(m, beta, terms, blk)))
                    .join();
        }
        double[] vector = new double[p];
        double[] upper = new double[p * p];
        for (double[] s : partial) {
            for (int a = 0; a < p; a++) vector[a] += s[a];
            for (int k = 0; k < p * p; k++) upper[k] += s[p + k];
        }
        return new Sums(vector, upper);
    }

    private static double[] block(FeatureMatrix m, double[] beta, RowTerms terms, int block) {
        int cols = m.cols();
        int p = cols + 1;
        float[] data = m.data();
        double[] out = new double[p + p * p];
        int[] nz = new int[p];
        double[] xv = new double[p];
        double[] gw = new double[2];
        int from = block * BLOCK;
        int to = Math.min(m.rows(), from + BLOCK);
        for (int r = from; r < to; r++) {
            int k = 0;
            nz[k] = 0;
            xv[k++] = 1;
            double z = beta == null ? 0 : beta[0];
            int base = r * cols;
            for (int c = 0; c < cols; c++) {
                float v = data[base + c];
                if (v == 0) continue;
                nz[k] = c + 1;
                xv[k++] = v;
                if (beta != null) z += beta[c + 1] * v;
            }
            terms.of(r, z, gw);
            double g = gw[0];
            double w = gw[1];
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
}
