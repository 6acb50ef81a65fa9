package dev.sluice.ml.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricsTest {
    @Test
    void classification_metrics_match_scikit_learn_on_its_documented_example() {
        // sklearn docs: roc_auc_score([0,0,1,1], [0.1,0.4,0.35,0.8]) = 0.75, average_precision_score = 0.8333.
        float[] y = {0, 0, 1, 1};
        double[] p = {0.1, 0.4, 0.35, 0.8};
        Map<String, Object> m = Metrics.classification(y, p, 0.5);
        assertThat((double) m.get("roc_auc")).isCloseTo(0.75, within(1e-12));
        assertThat((double) m.get("pr_auc")).isCloseTo(0.8333333, within(1e-6));
        assertThat((double) m.get("log_loss")).isCloseTo(0.4722875, within(1e-6));
        assertThat((double) m.get("accuracy")).isEqualTo(0.75);
        assertThat((double) m.get("precision")).isEqualTo(1.0);
        assertThat((double) m.get("recall")).isEqualTo(0.5);
        assertThat(m.get("confusion_matrix")).isEqualTo(Map.of("tp", 1L, "fp", 0L, "tn", 2L, "fn", 1L));
    }

    /** Ten rows of three classes; expected values from scikit-learn 1.2.1 (metrics with average= and multi_class="ovr"). */
    private static final float[] Y3 = {0, 0, 1, 1, 2, 2, 2, 1, 0, 2};

    private static final double[][] P3 = {
        {0.7, 0.2, 0.1},
        {0.3, 0.4, 0.3},
        {0.2, 0.6, 0.2},
        {0.5, 0.3, 0.2},
        {0.1, 0.1, 0.8},
        {0.2, 0.3, 0.5},
        {0.1, 0.6, 0.3},
        {0.25, 0.5, 0.25},
        {0.6, 0.2, 0.2},
        {0.3, 0.3, 0.4}
    };

    private static ClassProbabilities probabilities(List<String> classes, double[][] rows) {
        double[] flat = new double[rows.length * classes.size()];
        for (int i = 0; i < rows.length; i++) System.arraycopy(rows[i], 0, flat, i * classes.size(), rows[i].length);
        return new ClassProbabilities(classes, flat);
    }

    @Test
    void multiclass_metrics_match_scikit_learn() {
        Map<String, Object> m = Metrics.multiclass(Y3, probabilities(List.of("a", "b", "c"), P3));
        assertThat((double) m.get("accuracy")).isCloseTo(0.7, within(1e-12));
        assertThat((double) m.get("precision_macro")).isCloseTo(0.7222222222222222, within(1e-12));
        assertThat((double) m.get("recall_macro")).isCloseTo(0.6944444444444443, within(1e-12));
        assertThat((double) m.get("f1_macro")).isCloseTo(0.6984126984126985, within(1e-12));
        assertThat((double) m.get("precision_weighted")).isCloseTo(0.75, within(1e-12));
        assertThat((double) m.get("recall_weighted")).isCloseTo(0.7, within(1e-12));
        assertThat((double) m.get("f1_weighted")).isCloseTo(0.7142857142857142, within(1e-12));
        assertThat((double) m.get("log_loss")).isCloseTo(0.7515973248756777, within(1e-12));
        assertThat((double) m.get("roc_auc_ovr")).isCloseTo(0.8978174603174603, within(1e-12));
        assertThat(m.get("confusion_matrix"))
                .isEqualTo(Map.of(
                        "labels",
                        List.of("a", "b", "c"),
                        "matrix",
                        List.of(List.of(2L, 1L, 0L), List.of(1L, 2L, 0L), List.of(0L, 1L, 3L))));
        assertThat(m.get("per_class")).asString().contains("c={precision=1.0, recall=0.75");
    }

    @Test
    void a_class_absent_from_labels_and_predictions_does_not_dilute_the_averages() {
        double[][] four = new double[P3.length][];
        for (int i = 0; i < P3.length; i++) four[i] = new double[] {P3[i][0], P3[i][1], P3[i][2], 0};
        Map<String, Object> m = Metrics.multiclass(Y3, probabilities(List.of("a", "b", "c", "d"), four));
        assertThat((double) m.get("f1_macro")).isCloseTo(0.6984126984126985, within(1e-12));
        assertThat((double) m.get("roc_auc_ovr")).isCloseTo(0.8978174603174603, within(1e-12));
    }

    @Test
    void a_tie_predicts_the_first_class_in_class_order() {
        ClassProbabilities p = probabilities(List.of("x", "y", "z"), new double[][] {{0.2, 0.4, 0.4}, {0.5, 0.5, 0}});
        assertThat(p.predicted(0)).isEqualTo(1);
        assertThat(p.predicted(1)).isEqualTo(0);
        assertThat(p.row(0)).containsExactly(Map.entry("x", 0.2), Map.entry("y", 0.4), Map.entry("z", 0.4));
    }

    @Test
    void tied_scores_count_half() {
        assertThat(Metrics.rocAuc(new float[] {0, 1}, new double[] {0.5, 0.5})).isEqualTo(0.5);
    }

    @Test
    void regression_metrics() {
        Map<String, Object> m = Metrics.regression(new float[] {1, 2, 3}, new double[] {1, 2, 5});
        assertThat((double) m.get("rmse")).isCloseTo(Math.sqrt(4 / 3.0), within(1e-12));
        assertThat((double) m.get("mae")).isCloseTo(2 / 3.0, within(1e-12));
        assertThat((double) m.get("r2")).isCloseTo(1 - 4 / 2.0, within(1e-12));
    }

    @Test
    void lower_is_better_for_losses() {
        assertThat(Metrics.atLeastAsGood("log_loss", 0.30, 0.31, 0)).isTrue();
        assertThat(Metrics.atLeastAsGood("f1_macro", 0.70, 0.71, 0)).isFalse();
        assertThat(Metrics.atLeastAsGood("roc_auc_ovr", 0.91, 0.90, 0)).isTrue();
        assertThat(Metrics.atLeastAsGood("roc_auc", 0.90, 0.91, 0)).isFalse();
        assertThat(Metrics.atLeastAsGood("roc_auc", 0.90, 0.91, 0.02)).isTrue();
    }
}
