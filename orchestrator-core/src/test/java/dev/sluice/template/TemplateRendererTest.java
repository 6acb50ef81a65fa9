package dev.sluice.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TemplateRendererTest {
    private final TemplateRenderer renderer = new TemplateRenderer();
    private final Map<String, Object> context = TemplateContext.build(
            "scheduled__2026-03-05T02:00:00Z",
            Instant.parse("2026-03-05T02:00:00Z"),
            Instant.parse("2026-03-04T02:00:00Z"),
            Instant.parse("2026-03-05T02:00:00Z"),
            2,
            Map.of("threshold", 0.8, "cmd", "a && b > c"),
            Map.of("extract", Map.of("path", "/data/2026-03-05.csv", "rows", 42)),
            "nightly_etl",
            "load");

    @Test
    void aStringWithOnlyTagsIsATemplateToo() {
        // Before, "{% if %}" without "{{" reached the task as literal text.
        assertThat(renderer.render("{% if params.threshold > 0.5 %}full{% else %}incremental{% endif %}", context))
                .isEqualTo("full");
        assertThat(renderer.render("run{% if params.threshold > 0.9 %} --full{% endif %}", context, CodeLanguage.SHELL))
                .isEqualTo("run");
        // A param's value printed by a tag-only template's branch stays text: it is never evaluated as a template.
        assertThat(renderer.render("{% if true %}{{ params.cmd }}{% endif %}", context))
                .isEqualTo("a && b > c");
        assertThat(renderer.render("50% {off}", context)).isEqualTo("50% {off}");
        // A literal "{%" (as the README's Gotchas say): a verbatim block, left alone by the shell quoting too.
        assertThat(renderer.render("printf '{% verbatim %}{%d}{% endverbatim %}' 1", context, CodeLanguage.SHELL))
                .isEqualTo("printf '{%d}' 1");
    }

    @Test
    void rendersEveryContextVariable() {
        assertThat(renderer.render("{{ run_id }}", context)).isEqualTo("scheduled__2026-03-05T02:00:00Z");
        assertThat(renderer.render("{{ logical_date }}", context)).isEqualTo("2026-03-05T02:00:00Z");
        assertThat(renderer.render("{{ ds }}", context)).isEqualTo("2026-03-05");
        assertThat(renderer.render("{{ ds_nodash }}", context)).isEqualTo("20260305");
        assertThat(renderer.render("{{ data_interval_start }}", context)).isEqualTo("2026-03-04T02:00:00Z");
        assertThat(renderer.render("{{ data_interval_end }}", context)).isEqualTo("2026-03-05T02:00:00Z");
        assertThat(renderer.render("{{ attempt }}", context)).isEqualTo("2");
        assertThat(renderer.render("{{ dag_id }}", context)).isEqualTo("nightly_etl");
        assertThat(renderer.render("{{ task_id }}", context)).isEqualTo("load");
        assertThat(renderer.render("{{ params.threshold }}", context)).isEqualTo("0.8");
        assertThat(renderer.render(
                        "./load.sh {{ tasks.extract.output.path }} {{ tasks.extract.output.rows }}", context))
                .isEqualTo("./load.sh /data/2026-03-05.csv 42");
    }

    @Test
    void rendersNestedConfigAndLeavesPlainValuesAlone() {
        Map<String, Object> config = Map.of(
                "command",
                "echo {{ ds }}",
                "plain",
                "no template here",
                "count",
                3,
                "env",
                Map.of("DAY", "{{ ds_nodash }}"),
                "args",
                List.of("--run", "{{ run_id }}", true));

        Map<String, Object> rendered = renderer.renderConfig(config, context);

        assertThat(rendered)
                .isEqualTo(Map.of(
                        "command",
                        "echo 2026-03-05",
                        "plain",
                        "no template here",
                        "count",
                        3,
                        "env",
                        Map.of("DAY", "20260305"),
                        "args",
                        List.of("--run", "scheduled__2026-03-05T02:00:00Z", true)));
    }

    @Test
    void doesNotEscapeShellText() {
        assertThat(renderer.render("sh -c '{{ params.cmd }}'", context)).isEqualTo("sh -c 'a && b > c'");
    }

    @Test
    void keepsNewlinesOfMultiLineScripts() {
        String script = "{% if attempt > 1 %}echo retry{% endif %}\necho {{ ds }}\n";
        assertThat(renderer.render(script, context)).isEqualTo("echo retry\necho 2026-03-05\n");
    }

    @Test
    void anUndefinedVariableFailsNamingTheTemplate() {
        assertThatThrownBy(() -> renderer.render("echo {{ params.treshold }}", context))
                .isInstanceOf(TemplateException.class)
                .hasMessageContaining("cannot render template \"echo {{ params.treshold }}\"")
                .hasMessageContaining("treshold");
        assertThatThrownBy(() -> renderer.render("{{ dsx }}", context))
                .isInstanceOf(TemplateException.class)
                .hasMessageContaining("dsx");
        assertThatThrownBy(() -> renderer.render("{{ tasks.transform.output.path }}", context))
                .isInstanceOf(TemplateException.class)
                .hasMessageContaining("transform");
    }

    @Test
    void aSyntaxErrorFailsNamingTheTemplate() {
        assertThatThrownBy(() -> renderer.render("echo {{ ds ", context))
                .isInstanceOf(TemplateException.class)
                .hasMessageStartingWith("cannot render template \"echo {{ ds \"");
    }

    @Test
    void aManualRunWithoutDataIntervalRendersItEmpty() {
        Map<String, Object> manual = TemplateContext.build(
                "manual__1", Instant.parse("2026-01-02T10:00:00Z"), null, null, 1, Map.of(), Map.of(), "d", "t");
        assertThat(renderer.render("[{{ data_interval_start }}] {{ ds }}", manual))
                .isEqualTo("[] 2026-01-02");
    }

    @Test
    void reusesCompiledTemplates() {
        for (int i = 0; i < 3; i++)
            assertThat(renderer.render("{{ ds }}", context)).isEqualTo("2026-03-05");
    }
}
