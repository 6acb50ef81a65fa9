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
        assertThatThrownBy(() -> Label.multiclass("status", List.of("only")))
                .hasMessageContaining("at least 2 classes");
    }

    @Test
    void a_binary_label_names_both_classes_as_the_training_data_does_and_predicts_its_values() {
        Label risk = Label.binary("risk", "bad", "string", List.of("good", "bad"));
        assertThat(risk.positiveClass()).isEqualTo("bad");
        assertThat(risk.negativeClass()).isEqualTo("good");
        assertThat(risk.encode("bad")).isEqualTo(1f);
        assertThat(risk.encode("good")).isEqualTo(0f);
        assertThat(risk.predicted(true)).isEqualTo("bad");
        assertThat(risk.predicted(false)).isEqualTo("good");
        assertThatThrownBy(() -> risk.encode("fair"))
                .hasMessageContaining(
                        "label risk has value \"fair\", which is neither the positive class \"bad\" nor the negative class \"good\"");

        // Booleans and numbers come back as booleans and numbers; "yes" and "1.0" name the data's true and 1.
        Label churned = Label.binary("churned", null, "boolean", List.of(false, true));
        assertThat(churned.predicted(true)).isEqualTo(Boolean.TRUE);
        assertThat(churned.predicted(false)).isEqualTo(Boolean.FALSE);
        assertThat(Label.binary("member", "yes", "boolean", List.of(true, false))
                        .positiveClass())
                .isEqualTo("true");
        Label code = Label.binary("code", "1.0", "number", List.of(0.0, 1.0));
        assertThat(code.positiveClass()).isEqualTo("1");
        assertThat(code.predicted(false)).isEqualTo(0L);
        assertThat(code.encode(1.0)).isEqualTo(1f);
        assertThat(Label.binary("grade", "2.5", "number", List.of(2.5, 7.0)).predicted(true))
                .isEqualTo(2.5);
    }

    @Test
    void a_binary_label_needs_the_positive_class_and_exactly_one_other() {
        assertThatThrownBy(() -> Label.binary("risk", "Bad", "string", List.of("good", "bad")))
                .hasMessageContaining(
                        "positive_class \"Bad\" is not a value of label risk in the training split, whose values are [bad, good]");
        assertThatThrownBy(() -> Label.binary("risk", "bad", "string", List.of("good", "bad", "fair")))
                .hasMessageContaining("label risk has 3 values in the training split [bad, fair, good]");
        assertThatThrownBy(() -> Label.binary("risk", "bad", "string", List.of("bad")))
                .hasMessageContaining("label risk has only [bad] in the training split");
        assertThatThrownBy(() -> Label.binary("churned", null, "boolean", List.of(true)))
                .hasMessageContaining("needs rows of both classes (false and true)");
        assertThatThrownBy(() -> Label.binary("risk", null, "string", List.of("good", "bad")))
                .hasMessageContaining("set positive_class");
    }

    @Test
    void a_label_of_the_first_bundle_format_keeps_its_answers() {
        Label old = Label.binary("income", ">50K");
        assertThat(old.negativeClass()).isNull();
        assertThat(old.predicted(true)).isEqualTo(">50K");
        assertThat(old.predicted(false)).isEqualTo("not >50K");
        assertThat(old.encode("<=50K.")).isEqualTo(0f);
        assertThat(Label.binary("y", null).predicted(false)).isEqualTo("not 1");
    }

    @Test
    void problems_parse_from_config_text_and_name_the_choices_otherwise() {
        assertThat(Problem.parse("multiclass")).isEqualTo(Problem.MULTICLASS);
        assertThat(Problem.MULTICLASS.championMetric()).isEqualTo("roc_auc_ovr");
        assertThatThrownBy(() -> Problem.parse("multi-class"))
                .hasMessageContaining("[classification, multiclass, regression]");
    }
}
