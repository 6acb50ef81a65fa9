package dev.sluice.ml.tuning;

import dev.sluice.ml.model.FeatureMatrix;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * A seeded assignment of a matrix's rows to k folds for cross-validation. Classification folds are stratified:
 * each label value's rows are shuffled and dealt round the folds in turn, so every fold has close to the overall
 * share of each class (within one row per class) and the folds' sizes differ by at most one. Regression rows are
 * shuffled and dealt the same way. Same labels, k and seed give the same folds.
 */
public final class Folds {
    private final int[] foldOf;
    private final int k;

    private Folds(int[] foldOf, int k) {
        this.foldOf = foldOf;
        this.k = k;
    }

    public static Folds stratified(float[] labels, int k, long seed) {
        check(labels.length, k);
        // Classes in label order, not in the order rows arrive: the folds must not depend on row order beyond the
        // shuffle itself.
        Map<Float, List<Integer>> byClass = new TreeMap<>();
        for (int i = 0; i < labels.length; i++)
            byClass.computeIfAbsent(labels[i], c -> new ArrayList<>()).add(i);
        Random random = new Random(seed);
        int[] foldOf = new int[labels.length];
        int next = 0;
        for (List<Integer> rows : byClass.values()) {
            int[] shuffled = shuffle(rows.stream().mapToInt(Integer::intValue).toArray(), random);
            // Dealing goes on where the previous class stopped, so the remainders of the classes spread over the folds.
            for (int row : shuffled) {
                foldOf[row] = next;
                next = (next + 1) % k;
            }
        }
        return new Folds(foldOf, k);
    }

    public static Folds shuffled(int rows, int k, long seed) {
        check(rows, k);
        int[] order = new int[rows];
        for (int i = 0; i < rows; i++) order[i] = i;
        int[] shuffled = shuffle(order, new Random(seed));
        int[] foldOf = new int[rows];
        for (int i = 0; i < rows; i++) foldOf[shuffled[i]] = i % k;
        return new Folds(foldOf, k);
    }

    private static void check(int rows, int k) {
        if (k < 2) throw new IllegalArgumentException("cross-validation needs at least 2 folds, got " + k);
        if (rows < k) throw new IllegalArgumentException("cannot make " + k + " folds of " + rows + " rows");
    }

    /** Fisher-Yates with java.util.Random, whose sequence for a seed is fixed by its specification. */
    private static int[] shuffle(int[] a, Random random) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }

    public int k() {
        return k;
    }

    public int foldOf(int row) {
        return foldOf[row];
    }

    public int rows() {
        return foldOf.length;
    }

    /** Every row outside fold {@code f}, in their original order. */
    public FeatureMatrix training(FeatureMatrix m, int f) {
        return select(m, f, false);
    }

    /** The rows of fold {@code f}, in their original order. */
    public FeatureMatrix holdout(FeatureMatrix m, int f) {
        return select(m, f, true);
    }

    private FeatureMatrix select(FeatureMatrix m, int f, boolean inFold) {
        if (m.rows() != foldOf.length)
            throw new IllegalArgumentException("folds of " + foldOf.length + " rows cannot split " + m.rows());
        int n = 0;
        for (int r : foldOf) if ((r == f) == inFold) n++;
        int cols = m.cols();
        float[] data = new float[n * cols];
        float[] labels = new float[n];
        int i = 0;
        for (int r = 0; r < foldOf.length; r++) {
            if ((foldOf[r] == f) != inFold) continue;
            System.arraycopy(m.data(), r * cols, data, i * cols, cols);
            labels[i++] = m.labels()[r];
        }
        return new FeatureMatrix(data, n, cols, labels, m.features());
    }
}
