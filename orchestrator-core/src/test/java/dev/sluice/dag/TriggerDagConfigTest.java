package dev.sluice.dag;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.task.TaskTypeRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

/** trigger_dag's config is checked when the DAG file is read, with the file and line of the task. */
class TriggerDagConfigTest {
    private static final TaskTypeRegistry TYPES = TaskTypeRegistry.discover();

    private static List<String> errors(String yaml) {
        try {
            new YamlDagParser(TYPES).parse(yaml, "dags/t.yaml");
        } catch (DagValidationException e) {
            return e.errors().stream().map(DagError::toString).toList();
        }
        throw new AssertionError("parsed without errors");
    }

    @Test
    void a_valid_task_parses_with_its_defaults_declared() {
        Dag dag = new YamlDagParser(TYPES).parse("""
                        id: t
                        tasks:
                          - id: go
                            type: trigger_dag
                            config: { dag_id: other, params: { n: 1 }, wait: true, logical_date: "2026-01-01" }
                        """, "dags/t.yaml");
        assertThat(dag.task("go").config()).containsEntry("dag_id", "other").containsEntry("wait", true);
    }

    @Test
    void bad_config_is_reported_at_its_line() {
        List<String> errors = errors("""
                id: t
                tasks:
                  - { id: ok, type: noop }
                  - id: no_target
                    type: trigger_dag
                    config: { wait: true }
                  - id: bad
                    type: trigger_dag
                    config: { dag_id: other, params: [a], wait: "yes please", logical_date: yesterday, poll_interval: 0s }
                """);
        assertThat(String.join("\n", errors))
                .contains("dags/t.yaml:")
                .contains("dag_id")
                .contains("params")
                .contains("wait")
                .contains("logical_date: expected an ISO-8601 date")
                .contains("poll_interval: must be more than zero");
        assertThat(errors.stream()
                        .filter(e -> e.contains("logical_date"))
                        .findFirst()
                        .orElseThrow())
                .startsWith("dags/t.yaml:9");
    }
}
