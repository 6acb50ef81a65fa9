package dev.sluice.ml.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class LabelTest {
    @Test
    void multiclass_classes_are_the_sorted_distinct_values_and_encode_to_their_index() {
        Label text = Label.multiclass("status", Arrays.asList("widowed", "married", null, "divorced", "married"));
        assertThat(text.classes()).containsExactly("divorced", "married", "widowed");
        assertThat(text.encode("married")).isEqualTo(1f);
        assertThat(text.encode(null)).isNaN();

        // Numbers arrive from datasets as doubles; they sort numerically and are named as a caller writes them.
        Label codes = Label.multiclass("grade", List.of(10.0, 2.0, 1.0, 2.5));
        assertThat(codes.classes()).containsExactly("1", "2", "2.5", "10");
        assertThat(codes.encode(10.0)).isEqualTo(3f);
    }

    @Test
    void a_value_not_seen_in_training_is_refused_with_the_known_classes() {
        Label label = Label.multiclass("status", List.of("a", "b", "c"));
        assertThatThrownBy(() -> label.encode("d"))
                .hasMessageContaining("label status has value \"d\"")
                .hasMessageContaining("[a, b, c]")
                .hasMessageContaining("stratify the split on status");
    }

    @Test
    void multiclass_needs_two_classes() {
        assertThatThrownBy(() -> Label.multiclass("status", List.of("only"))).hasMessageContaining("at least 2 classes");
    }

    @Test
    void problems_parse_from_config_text_and_name_the_choices_otherwise() {
        assertThat(Problem.parse("multiclass")).isEqualTo(Problem.MULTICLASS);
        assertThat(Problem.MULTICLASS.championMetric()).isEqualTo("roc_auc_ovr");
        assertThatThrownBy(() -> Problem.parse("multi-class")).hasMessageContaining("[classification, multiclass, regression]");
    }
}
