package dev.sluice.ml.task;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.ml.data.DatasetSchema;
import dev.sluice.ml.model.Label;
import dev.sluice.ml.model.LoadedModel;
import dev.sluice.ml.model.ModelBundle;
import dev.sluice.task.TaskFailedException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ml.evaluate compares a candidate with the champion only when a label means the same to both. */
class ChampionComparisonTest {

    private static LoadedModel model(Label label) {
        ModelBundle b = new ModelBundle(
                ModelBundle.FORMAT,
                ModelBundle.XGBOOST,
                label.problem(),
                label,
                List.of("x"),
                "sha256:m",
                "sha256:t",
                new DatasetSchema(List.of()),
                Map.of(),
                42,
                "sha256:d",
                100);
        return new LoadedModel("sha256:b", b, null, null);
    }

    @Test
    void the_same_classes_are_comparable_whatever_order_the_values_came_in() {
        LoadedModel a = model(Label.multiclass("status", List.of("married", "single", "widowed")));
        LoadedModel b = model(Label.multiclass("status", List.of("widowed", "married", "single")));
        assertThatCode(() -> EvaluateTask.requireComparable(a, b, "m", 3)).doesNotThrowAnyException();
    }

    @Test
    void a_champion_with_other_classes_is_refused_naming_both_class_lists() {
        LoadedModel candidate = model(Label.multiclass("status", List.of("married", "single", "widowed")));
        LoadedModel champion = model(Label.multiclass("status", List.of("married", "single")));
        assertThatThrownBy(() -> EvaluateTask.requireComparable(candidate, champion, "m", 3))
                .isInstanceOf(TaskFailedException.class)
                .hasMessageContaining(
                        "the champion of m (version 3) predicts classes [married, single] and the candidate [married, single, widowed]")
                .hasMessageContaining("leave model_name out");
    }

    @Test
    void binary_models_are_comparable_only_with_the_same_positive_and_negative_classes() {
        LoadedModel bad = model(Label.binary("risk", "bad", "string", List.of("good", "bad")));
        LoadedModel good = model(Label.binary("risk", "good", "string", List.of("good", "bad")));
        assertThatThrownBy(() -> EvaluateTask.requireComparable(bad, good, "m", 2))
                .hasMessageContaining(
                        "has positive class \"good\" and negative class \"bad\", the candidate \"bad\" and \"good\"");
        LoadedModel fair = model(Label.binary("risk", "bad", "string", List.of("fair", "bad")));
        assertThatThrownBy(() -> EvaluateTask.requireComparable(bad, fair, "m", 2))
                .hasMessageContaining("not comparable");
        assertThatCode(() -> EvaluateTask.requireComparable(bad, model(Label.binary("risk", "bad")), "m", 1))
                .doesNotThrowAnyException();
        // A first-format champion without positive_class was trained on true/false or 1/0 labels.
        LoadedModel churned = model(Label.binary("churned", null, "boolean", List.of(true, false)));
        assertThatCode(() -> EvaluateTask.requireComparable(churned, model(Label.binary("churned", null)), "m", 1))
                .doesNotThrowAnyException();
    }

    @Test
    void a_champion_of_another_problem_is_refused() {
        LoadedModel candidate = model(Label.multiclass("income", List.of("<=50K", ">50K")));
        LoadedModel champion = model(Label.binary("income", ">50K"));
        assertThatThrownBy(() -> EvaluateTask.requireComparable(candidate, champion, "m", 1))
                .hasMessageContaining("is a classification model and the candidate a multiclass model");
    }
}
