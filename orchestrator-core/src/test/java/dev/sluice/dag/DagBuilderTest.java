package dev.sluice.dag;

import static dev.sluice.dag.FakeTaskTypes.parseFixture;
import static dev.sluice.dag.FakeTaskTypes.registry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sluice.dag.ParamSpec.ParamType;
import java.time.LocalDate;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DagBuilderTest {

    static Dag nightlyEtlInJava() {
        return DagBuilder.dag("nightly_etl")
                .description("Loads and checks the day's data")
                .schedule("0 2 * * *")
                .timezone("UTC")
                .startDate(LocalDate.of(2026, 1, 1))
                .endDate(LocalDate.of(2026, 12, 31))
                .catchup(false)
                .maxActiveRuns(1)
                .maxActiveTasks(16)
                .tags("etl")
                .param("threshold", ParamType.NUMBER, 0.8, "...")
                .defaults(d -> d.retries(0)
                        .retryDelay("10s")
                        .retryBackoff(RetryBackoff.EXPONENTIAL)
                        .maxRetryDelay("1h")
                        .timeout("1h")
                        .pool("default")
                        .priority(0))
                .task("extract", "shell", t -> t.config("command", "echo {{ ds }} {{ params.threshold }}"))
                .task(
                        "load",
                        "shell",
                        t -> t.dependsOn("extract")
                                .triggerRule(TriggerRule.ALL_SUCCESS)
                                .retries(2)
                                .retryDelay("1s")
                                .timeout("30s")
                                .config("command", "./load.sh {{ tasks.extract.output.path }}"))
                .build(registry());
    }

    @Test
    void javaAndYamlGiveEqualDags() {
        Dag fromYaml = parseFixture("nightly_etl.yaml");
        Dag fromJava = nightlyEtlInJava();

        assertThat(fromJava).isEqualTo(fromYaml);
        assertThat(DagJson.sha256(fromJava)).isEqualTo(DagJson.sha256(fromYaml));
    }

    @Test
    void javaAndYamlAgreeOnInheritedDefaultsInferredParamsAndNestedConfig() {
        Dag fromJava = DagBuilder.dag("defaults_and_overrides")
                .schedule("@daily")
                .timezone("Europe/Paris")
                .param("limit", ParamType.INTEGER, 10L) // Long on purpose: normalized like YAML's Integer
                .param("name", ParamType.STRING, "world")
                .param("dry_run", ParamType.BOOLEAN, true)
                .param("ratio", ParamType.NUMBER, 0.5)
                .param("tables", ParamType.LIST, java.util.List.of("a", "b"))
                .param("options", ParamType.OBJECT, Map.of("verbose", true))
                .param("target", ParamType.STRING, null)
                .defaults(d -> d.retries(3)
                        .retryDelay("30s")
                        .retryBackoff(RetryBackoff.FIXED)
                        .maxRetryDelay("10m")
                        .timeout("2h")
                        .pool("etl")
                        .priority(5))
                .task(
                        "inherits",
                        "shell",
                        t -> t.config("command", "echo {{ params.name }}").config("env", Map.of("A", "1")))
                .task(
                        "overrides",
                        "shell",
                        t -> t.dependsOn("inherits")
                                .triggerRule(TriggerRule.ALL_DONE)
                                .retries(0)
                                .retryDelay("500ms")
                                .retryBackoff(RetryBackoff.EXPONENTIAL)
                                .maxRetryDelay("1m")
                                .timeout("45s")
                                .pool("default")
                                .priority(-1)
                                .config("command", "echo done"))
                .build(registry());

        assertThat(fromJava).isEqualTo(parseFixture("defaults_and_overrides.yaml"));
    }

    @Test
    void javaAndYamlAgreeOnParamRangesAndAllowedValues() {
        Dag fromJava = DagBuilder.dag("params_with_ranges")
                .param(
                        "rows",
                        ParamType.INTEGER,
                        5L,
                        p -> p.description("how many rows").minimum(1).maximum(10_000L))
                .param("threshold", ParamType.NUMBER, 0.5, p -> p.minimum(0).maximum(1))
                .param("mode", ParamType.STRING, "fast", p -> p.enumValues("fast", "slow"))
                .task("a", "shell", t -> t.config("command", "true"))
                .build(registry());

        assertThat(fromJava).isEqualTo(parseFixture("params_with_ranges.yaml"));
    }

    @Test
    void aJavaParamOutsideItsOwnRangeIsRefused() {
        DagValidationException e = catchThrowableOfType(
                DagValidationException.class,
                () -> DagBuilder.dag("ranges")
                        .param("rows", ParamType.INTEGER, 0, p -> p.minimum(1))
                        .param("mode", ParamType.STRING, "x", p -> p.enumValues("fast", "slow"))
                        .param("ratio", ParamType.NUMBER, 0.5, p -> p.maximum(Double.NaN))
                        .task("a", "shell", t -> t.config("command", "true"))
                        .build(registry()));

        assertThat(e.errors())
                .extracting(DagError::toString)
                .containsExactlyInAnyOrder(
                        "<java>:0: params.rows.default: must be at least 1, got 0",
                        "<java>:0: params.mode.default: must be one of [\"fast\", \"slow\"], got \"x\"",
                        "<java>:0: params.ratio.maximum: must be a finite number, got NaN");
    }

    @Test
    void buildRunsTheSameValidationAndReportsEveryProblemAtLineZero() {
        DagValidationException e = catchThrowableOfType(
                DagValidationException.class,
                () -> DagBuilder.dag("Bad-Id")
                        .schedule("0 2 * *")
                        .defaults(d -> d.retries(-1))
                        .task("a", "shell", t -> t.dependsOn("c").config("command", "x"))
                        .task(
                                "b",
                                "shell",
                                t -> t.dependsOn("a").retryDelay("10x").config("command", "x"))
                        .task("c", "shell", t -> t.dependsOn("b").config("command", "x"))
                        .task("d", "shel", t -> t.dependsOn("nope"))
                        .task("e", "shell", t -> t.config("comand", "x"))
                        .build(registry()));

        assertThat(e.errors())
                .extracting(DagError::toString)
                .containsExactlyInAnyOrder(
                        "<java>:0: id: invalid id 'Bad-Id': use lower case letters, digits and _, starting with a letter",
                        "<java>:0: schedule: bad cron '0 2 * *': expected 5 fields (minute hour day-of-month month day-of-week)",
                        "<java>:0: defaults.retries: must be 0 or more, got -1",
                        "<java>:0: tasks[b].retry_delay: bad duration \"10x\": use a number and a unit, e.g. 500ms, 10s, 5m, 1h, 2d",
                        "<java>:0: tasks[d].type: unknown task type 'shel' (did you mean 'shell'?)",
                        "<java>:0: tasks[d].depends_on[0]: unknown task 'nope'",
                        "<java>:0: tasks[e].config.comand: unknown key 'comand' (did you mean 'command'?) for task type 'shell'",
                        "<java>:0: tasks[e].config.command: is required by task type 'shell'",
                        "<java>:0: tasks[a].depends_on: cycle: a -> b -> c -> a");
    }
}
