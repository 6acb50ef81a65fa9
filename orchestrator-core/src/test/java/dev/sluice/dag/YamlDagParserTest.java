package dev.sluice.dag;

import static dev.sluice.dag.FakeTaskTypes.fixture;
import static dev.sluice.dag.FakeTaskTypes.parseFixture;
import static dev.sluice.dag.FakeTaskTypes.registry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.sluice.dag.ParamSpec.ParamType;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class YamlDagParserTest {

    @Test
    void parsesTheDocumentedExample() {
        Dag dag = parseFixture("nightly_etl.yaml");

        assertThat(dag.id()).isEqualTo("nightly_etl");
        assertThat(dag.description()).isEqualTo("Loads and checks the day's data");
        assertThat(dag.schedule()).isEqualTo("0 2 * * *");
        assertThat(dag.timezone()).isEqualTo("UTC");
        assertThat(dag.startDate()).isEqualTo(LocalDate.of(2026, 1, 1));
        assertThat(dag.endDate()).isEqualTo(LocalDate.of(2026, 12, 31));
        assertThat(dag.catchup()).isFalse();
        assertThat(dag.maxActiveRuns()).isEqualTo(1);
        assertThat(dag.maxActiveTasks()).isEqualTo(16);
        assertThat(dag.tags()).containsExactly("etl");
        assertThat(dag.params())
                .containsExactly(Map.entry("threshold", new ParamSpec("threshold", ParamType.NUMBER, 0.8, "...")));

        assertThat(dag.task("extract"))
                .isEqualTo(task(
                        "extract",
                        "shell",
                        List.of(),
                        TriggerRule.ALL_SUCCESS,
                        0,
                        Duration.ofSeconds(10),
                        RetryBackoff.EXPONENTIAL,
                        Duration.ofHours(1),
                        Duration.ofHours(1),
                        "default",
                        0,
                        Map.of("command", "echo {{ ds }} {{ params.threshold }}")));
        assertThat(dag.task("load"))
                .isEqualTo(task(
                        "load",
                        "shell",
                        List.of("extract"),
                        TriggerRule.ALL_SUCCESS,
                        2,
                        Duration.ofSeconds(1),
                        RetryBackoff.EXPONENTIAL,
                        Duration.ofHours(1),
                        Duration.ofSeconds(30),
                        "default",
                        0,
                        Map.of("command", "./load.sh {{ tasks.extract.output.path }}")));
    }

    @Test
    void appliesBuiltInDefaultsWhenNothingIsSaid() {
        Dag dag = parseFixture("minimal_manual.yaml");

        assertThat(dag.schedule()).isNull();
        assertThat(dag.timezone()).isEqualTo("UTC");
        assertThat(dag.startDate()).isNull();
        assertThat(dag.catchup()).isFalse();
        assertThat(dag.maxActiveRuns()).isEqualTo(16);
        assertThat(dag.maxActiveTasks()).isEqualTo(64);
        assertThat(dag.tags()).isEmpty();
        assertThat(dag.params()).isEmpty();
        assertThat(dag.tasks())
                .containsExactly(task(
                        "only",
                        "shell",
                        List.of(),
                        TriggerRule.ALL_SUCCESS,
                        0,
                        Duration.ofSeconds(10),
                        RetryBackoff.EXPONENTIAL,
                        Duration.ofHours(1),
                        Duration.ofHours(1),
                        "default",
                        0,
                        Map.of("command", "echo hi")));
    }

    @Test
    void tasksInheritTheDefaultsBlockAndMayOverrideEachSetting() {
        Dag dag = parseFixture("defaults_and_overrides.yaml");

        assertThat(dag.task("inherits"))
                .isEqualTo(task(
                        "inherits",
                        "shell",
                        List.of(),
                        TriggerRule.ALL_SUCCESS,
                        3,
                        Duration.ofSeconds(30),
                        RetryBackoff.FIXED,
                        Duration.ofMinutes(10),
                        Duration.ofHours(2),
                        "etl",
                        5,
                        Map.of("command", "echo {{ params.name }}", "env", Map.of("A", "1"))));
        assertThat(dag.task("overrides"))
                .isEqualTo(task(
                        "overrides",
                        "shell",
                        List.of("inherits"),
                        TriggerRule.ALL_DONE,
                        0,
                        Duration.ofMillis(500),
                        RetryBackoff.EXPONENTIAL,
                        Duration.ofMinutes(1),
                        Duration.ofSeconds(45),
                        "default",
                        -1,
                        Map.of("command", "echo done")));
    }

    @Test
    void aParamWithoutTypeTakesItsTypeFromItsDefault() {
        Map<String, ParamSpec> params =
                parseFixture("defaults_and_overrides.yaml").params();

        assertThat(params.get("limit")).isEqualTo(new ParamSpec("limit", ParamType.INTEGER, 10, null));
        assertThat(params.get("name").type()).isEqualTo(ParamType.STRING);
        assertThat(params.get("dry_run").type()).isEqualTo(ParamType.BOOLEAN);
        assertThat(params.get("ratio").type()).isEqualTo(ParamType.NUMBER);
        assertThat(params.get("tables")).isEqualTo(new ParamSpec("tables", ParamType.LIST, List.of("a", "b"), null));
        assertThat(params.get("options"))
                .isEqualTo(new ParamSpec("options", ParamType.OBJECT, Map.of("verbose", true), null));
        assertThat(params.get("target")).isEqualTo(new ParamSpec("target", ParamType.STRING, null, null));
        assertThat(params.keySet()).containsExactly("limit", "name", "dry_run", "ratio", "tables", "options", "target");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            invalid_missing_id.yaml              | 1 | id                             | is required
            invalid_bad_id.yaml                  | 1 | id                             | invalid id 'Nightly-ETL'
            invalid_unknown_top_level_key.yaml   | 2 | schedul                        | unknown key 'schedul' (did you mean 'schedule'?)
            invalid_unknown_task_key.yaml        | 8 | tasks[load].depend_on          | unknown key 'depend_on' (did you mean 'depends_on'?)
            invalid_task_description.yaml       | 5 | tasks[a].description           | tasks have no description
            invalid_unknown_task_type.yaml       | 4 | tasks[extract].type            | unknown task type 'shel' (did you mean 'shell'?)
            invalid_config_unknown_key.yaml      | 7 | tasks[extract].config.evn      | unknown key 'evn' (did you mean 'env'?) for task type 'shell'
            invalid_config_missing_required.yaml | 5 | tasks[extract].config.command  | is required by task type 'shell'
            invalid_config_wrong_type.yaml       | 6 | tasks[extract].config.command  | expected a string, got a list
            invalid_config_type_rule.yaml        | 5 | tasks[check].config            | min must not be greater than max
            invalid_duplicate_task_id.yaml       | 6 | tasks[1].id                    | duplicate task id 'extract' (also tasks[0])
            invalid_unknown_dependency.yaml      | 9 | tasks[load].depends_on[0]      | unknown task 'extrct' (did you mean 'extract'?)
            invalid_cycle.yaml                   | 5 | tasks[a].depends_on            | cycle: a -> b -> c -> a
            invalid_cron.yaml                    | 2 | schedule                       | bad cron '0 25 * * *'
            invalid_schedule_macro.yaml          | 2 | schedule                       | unknown schedule macro '@fortnightly'
            invalid_timezone.yaml                | 2 | timezone                       | unknown timezone 'Mars/Olympus_Mons'
            invalid_duration.yaml                | 8 | tasks[load].retry_delay        | bad duration "10 seconds"
            invalid_param_default_type.yaml      | 5 | params.threshold.default       | expected number, got "high"
            invalid_trigger_rule.yaml            | 9 | tasks[b].trigger_rule          | unknown trigger rule 'all_sucess' (did you mean 'all_success'?)
            invalid_retry_backoff.yaml           | 3 | defaults.retry_backoff         | unknown retry backoff 'linear' (use one of fixed, exponential)
            invalid_negative_retries.yaml        | 5 | tasks[a].retries               | must be 0 or more, got -1
            invalid_duplicate_key.yaml           | 5 | tasks[a].type                  | duplicate key 'type' (first at line 4)
            invalid_yaml_syntax.yaml             | 6 | yaml                           | syntax error
            """)
    void reportsEachKindOfErrorWithItsLineAndField(String file, int line, String field, String fragment) {
        List<DagError> errors = errorsOf(file);

        assertThat(errors).hasSize(1);
        DagError error = errors.get(0);
        assertThat(error.file()).isEqualTo(file);
        assertThat(error.line()).isEqualTo(line);
        assertThat(error.field()).isEqualTo(field);
        assertThat(error.message()).contains(fragment);
    }

    @Test
    void paramsMayDeclareARangeAndAllowedValues() {
        Map<String, ParamSpec> params = parseFixture("params_with_ranges.yaml").params();

        assertThat(params.get("rows"))
                .isEqualTo(new ParamSpec("rows", ParamType.INTEGER, 5, "how many rows", 1, 10000, null));
        assertThat(params.get("threshold"))
                .isEqualTo(new ParamSpec("threshold", ParamType.NUMBER, 0.5, null, 0, 1, null));
        assertThat(params.get("mode"))
                .isEqualTo(new ParamSpec("mode", ParamType.STRING, "fast", null, null, null, List.of("fast", "slow")));
    }

    @Test
    void badParamRangesAndEnumsAreReportedWithTheirLines() {
        List<DagError> errors = errorsOf("invalid_param_ranges.yaml");

        assertThat(errors)
                .extracting(DagError::line, DagError::field)
                .containsExactly(
                        tuple(3, "params.rows.minimum"),
                        tuple(4, "params.ratio.default"),
                        tuple(5, "params.mode.enum[2]"),
                        tuple(6, "params.name.minimum"),
                        tuple(7, "params.big.maximum"),
                        tuple(8, "params.huge.maximum"),
                        tuple(9, "params.level.default"),
                        tuple(10, "params.Level"));
        assertThat(errors)
                .extracting(DagError::message)
                .containsExactly(
                        "is greater than maximum 1",
                        "must be at most 1, got 2.5",
                        "expected string, got 3",
                        "applies to number and integer params, not string",
                        "is out of range: integers must fit in 64 bits (-9223372036854775808 to 9223372036854775807), got 9223372036854775808",
                        "must be a finite number, got Infinity",
                        "must be one of [1, 2, 3], got 7",
                        "param 'Level' and param 'level' differ only in case; both would be SLUICE_PARAM_LEVEL");
    }

    @Test
    void collectsEveryErrorOfAFileInLineOrder() {
        List<DagError> errors = errorsOf("invalid_many_errors.yaml");

        assertThat(errors)
                .extracting(DagError::line, DagError::field)
                .containsExactly(
                        tuple(2, "schedule"),
                        tuple(3, "timezone"),
                        tuple(5, "defaults.retries"),
                        tuple(9, "tasks[extract].timeout"),
                        tuple(10, "tasks[extract].config.command"),
                        tuple(12, "tasks[load].type"),
                        tuple(13, "tasks[load].depends_on[0]"),
                        tuple(14, "tasks[load].retry_backoff"));
    }

    @Test
    void exceptionMessageListsErrorsAsFileLineFieldMessage() {
        assertThatThrownBy(() -> parseFixture("invalid_cycle.yaml"))
                .isInstanceOf(DagValidationException.class)
                .hasMessage(
                        "1 error in DAG definition:\n  invalid_cycle.yaml:5: tasks[a].depends_on: cycle: a -> b -> c -> a");
    }

    @Test
    void aTaskDependingOnItselfIsACycle() {
        String yaml = """
                id: self_loop
                tasks:
                  - id: a
                    type: shell
                    depends_on: [a]
                    config: { command: "true" }
                """;
        assertThat(errorsOf(yaml, "self.yaml"))
                .extracting(DagError::toString)
                .containsExactly("self.yaml:5: tasks[a].depends_on: cycle: a -> a");
    }

    @Test
    void acceptsEveryScheduleMacroAndTriggerRule() {
        for (String macro : List.of("@hourly", "@daily", "@weekly", "@monthly", "@yearly")) {
            assertThat(Schedules.problem(macro)).isNull();
        }
        for (TriggerRule rule : TriggerRule.values()) {
            String yaml = "id: rules\ntasks:\n  - id: a\n    type: shell\n    trigger_rule: " + rule.yamlName()
                    + "\n    config: { command: x }\n";
            assertThat(new YamlDagParser(registry())
                            .parse(yaml, "rules.yaml")
                            .task("a")
                            .triggerRule())
                    .isEqualTo(rule);
        }
    }

    @Test
    void anEmptyFileIsAnError() {
        assertThat(errorsOf("", "empty.yaml"))
                .extracting(DagError::toString)
                .containsExactly("empty.yaml:1: yaml: file is empty");
    }

    private static List<DagError> errorsOf(String fixtureName) {
        return errorsOf(fixture(fixtureName), fixtureName);
    }

    private static List<DagError> errorsOf(String source, String file) {
        try {
            new YamlDagParser(registry()).parse(source, file);
        } catch (DagValidationException e) {
            return e.errors();
        }
        throw new AssertionError(file + " parsed without errors");
    }

    /** A task as the parser builds it from these fields: on the default queue, no deadline, branch, group, outlet or mapping. */
    private static TaskDef task(
            String id,
            String type,
            List<String> dependsOn,
            TriggerRule triggerRule,
            int retries,
            Duration retryDelay,
            RetryBackoff retryBackoff,
            Duration maxRetryDelay,
            Duration timeout,
            String pool,
            int priority,
            Map<String, Object> config) {
        return new TaskDef(
                id,
                type,
                dependsOn,
                triggerRule,
                retries,
                retryDelay,
                retryBackoff,
                maxRetryDelay,
                timeout,
                pool,
                priority,
                config,
                TaskDef.DEFAULT_QUEUE,
                null,
                false,
                null,
                List.of(),
                null);
    }
}
