package dev.sluice.ml.tuning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.ml.model.FeatureMatrix;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FoldsTest {
    /** 10,007 rows, about 23 % positive, in no particular order. */
    private static float[] labels(int n, double rate, long seed) {
        Random r = new Random(seed);
        float[] y = new float[n];
        for (int i = 0; i < n; i++) y[i] = r.nextDouble() < rate ? 1 : 0;
        return y;
    }

    @Test
    void stratified_folds_keep_the_overall_positive_rate_and_near_equal_sizes() {
        float[] y = labels(10_007, 0.23, 1);
        Folds folds = Folds.stratified(y, 5, 42);
        double overall = 0;
        for (float v : y) overall += v;
        long positives = (long) overall;
        overall /= y.length;
        int[] size = new int[5];
        int[] pos = new int[5];
        for (int i = 0; i < y.length; i++) {
            size[folds.foldOf(i)]++;
            if (y[i] == 1) pos[folds.foldOf(i)]++;
        }
        for (int f = 0; f < 5; f++) {
            assertThat(size[f]).as("fold %d size", f).isBetween(2001, 2002);
            // Dealt in turn: each fold has its share of the positives to one row.
            assertThat((double) pos[f]).as("fold %d positives", f).isBetween(positives / 5.0 - 1, positives / 5.0 + 1);
            assertThat((double) pos[f] / size[f])
                    .as("fold %d positive rate", f)
                    .isCloseTo(overall, org.assertj.core.api.Assertions.within(0.001));
        }
    }

    @Test
    void stratification_covers_every_class_of_a_multiclass_label() {
        Random r = new Random(5);
        float[] y = new float[3000];
        for (int i = 0; i < y.length; i++) y[i] = r.nextDouble() < 0.05 ? 2 : r.nextDouble() < 0.3 ? 1 : 0;
        Folds folds = Folds.stratified(y, 4, 9);
        for (int c = 0; c < 3; c++) {
            int total = 0;
            int[] inFold = new int[4];
            for (int i = 0; i < y.length; i++) {
                if (y[i] != c) continue;
                total++;
                inFold[folds.foldOf(i)]++;
            }
            for (int f = 0; f < 4; f++)
                assertThat((double) inFold[f]).as("class %d fold %d", c, f).isBetween(total / 4.0 - 1, total / 4.0 + 1);
        }
    }

    @Test
    void the_seed_alone_decides_the_assignment() {
        float[] y = labels(1000, 0.3, 2);
        Folds a = Folds.stratified(y, 5, 42);
        Folds b = Folds.stratified(y, 5, 42);
        Folds c = Folds.stratified(y, 5, 43);
        int same = 0, differ = 0;
        for (int i = 0; i < y.length; i++) {
            if (a.foldOf(i) == b.foldOf(i)) same++;
            if (a.foldOf(i) != c.foldOf(i)) differ++;
        }
        assertThat(same).isEqualTo(y.length);
        assertThat(differ).isGreaterThan(600);
        Folds s1 = Folds.shuffled(1000, 3, 7);
        Folds s2 = Folds.shuffled(1000, 3, 7);
        for (int i = 0; i < 1000; i++) assertThat(s1.foldOf(i)).isEqualTo(s2.foldOf(i));
    }

    @Test
    void training_and_holdout_partition_the_rows_in_their_order() {
        int n = 23;
        float[] x = new float[n * 2];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            x[2 * i] = i;
            x[2 * i + 1] = -i;
            y[i] = i;
        }
        FeatureMatrix m = new FeatureMatrix(x, n, 2, y, List.of("i", "minus_i"));
        Folds folds = Folds.shuffled(n, 4, 3);
        int seen = 0;
        for (int f = 0; f < 4; f++) {
            FeatureMatrix held = folds.holdout(m, f);
            FeatureMatrix train = folds.training(m, f);
            assertThat(held.rows() + train.rows()).isEqualTo(n);
            assertThat(held.rows()).isBetween(5, 6);
            for (int r = 0; r < held.rows(); r++) {
                int row = (int) held.labels()[r];
                assertThat(folds.foldOf(row)).isEqualTo(f);
                assertThat(held.data()[2 * r]).isEqualTo(row);
                assertThat(held.data()[2 * r + 1]).isEqualTo(-row);
                if (r > 0) assertThat(held.labels()[r]).isGreaterThan(held.labels()[r - 1]);
            }
            for (int r = 0; r < train.rows(); r++)
                assertThat(folds.foldOf((int) train.labels()[r])).isNotEqualTo(f);
            seen += held.rows();
        }
        assertThat(seen).isEqualTo(n);
    }

    @Test
    void too_few_folds_or_rows_are_refused() {
        assertThatThrownBy(() -> Folds.shuffled(10, 1, 1)).hasMessageContaining("at least 2 folds");
        assertThatThrownBy(() -> Folds.stratified(new float[3], 5, 1))
                .hasMessageContaining("cannot make 5 folds of 3 rows");
    }
}
