package dev.sluice.ml.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

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
        assertThat(Metrics.atLeastAsGood("roc_auc", 0.90, 0.91, 0)).isFalse();
        assertThat(Metrics.atLeastAsGood("roc_auc", 0.90, 0.91, 0.02)).isTrue();
    }
}
