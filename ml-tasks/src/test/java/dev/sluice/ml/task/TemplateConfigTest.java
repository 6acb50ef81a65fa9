package dev.sluice.ml.task;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A config value written as a template is checked only once the engine has rendered it, whether it uses an
 * expression ({{ }}) or only tags ({% %}), which the renderer treats alike.
 */
class TemplateConfigTest {
    @Test
    void a_value_made_only_of_tags_is_a_template_and_not_refused_at_load_time() {
        String tags = "{% if params.big %}4096{% else %}1024{% endif %}";
        assertThat(new PredictTask().validate(Map.of("model_name", "m", "batch_rows", tags)))
                .isEmpty();
        assertThat(new PredictTask().validate(Map.of("model_name", "m", "batch_rows", "{{ params.rows }}")))
                .isEmpty();
        // A literal that is no number still is.
        assertThat(new PredictTask().validate(Map.of("model_name", "m", "batch_rows", "many")))
                .anySatisfy(e -> assertThat(e).contains("batch_rows"));
    }
}
