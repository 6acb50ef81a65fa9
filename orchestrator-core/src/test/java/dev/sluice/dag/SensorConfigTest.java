package dev.sluice.dag;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.task.TaskTypeRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Sensors' config is checked when the DAG file is read, with the file and line of the task. */
class SensorConfigTest {
    private static final TaskTypeRegistry TYPES = TaskTypeRegistry.discover();

    private static List<String> errors(String yaml) {
        try {
            new YamlDagParser(TYPES).parse(yaml, "dags/s.yaml");
        } catch (DagValidationException e) {
            return e.errors().stream().map(DagError::toString).toList();
        }
        throw new AssertionError("parsed without errors");
    }

    private static String line(List<String> errors, String containing) {
        return errors.stream()
                .filter(e -> e.contains(containing))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no error with \"" + containing + "\" in " + errors));
    }

    @Test
    void a_valid_sensor_parses_with_the_common_defaults() {
        Dag dag = new YamlDagParser(TYPES).parse("""
                        id: s
                        tasks:
                          - { id: f, type: sensor.file, config: { path: "data/*.csv" } }
                        """, "dags/s.yaml");
        assertThat(dag.task("f").config()).containsEntry("path", "data/*.csv");
        java.util.Map<String, Object> defaults = new java.util.HashMap<>();
        TYPES.get("sensor.file").configFields().forEach(f -> defaults.put(f.name(), f.defaultValue()));
        assertThat(defaults)
                .containsEntry("poke_interval", "30s")
                .containsEntry("timeout", "1h")
                .containsEntry("soft_fail", false)
                .containsEntry("mode", "poke");
    }

    @Test
    void reschedule_mode_is_accepted_on_every_sensor_type() {
        Dag dag = new YamlDagParser(TYPES).parse("""
                        id: s
                        tasks:
                          - { id: f, type: sensor.file, config: { path: x, mode: reschedule } }
                          - { id: q, type: sensor.sql, config: { query: select 1, mode: " reschedule " } }
                          - { id: h, type: sensor.http, config: { url: "http://x", mode: reschedule } }
                          - { id: e, type: sensor.external_task, config: { dag_id: d, mode: "{{ params.m }}" } }
                        """, "dags/s.yaml");
        assertThat(dag.task("f").config()).containsEntry("mode", "reschedule");
    }

    @Test
    void bad_sensor_config_is_reported_at_its_line() {
        List<String> errors = errors("""
                id: s
                tasks:
                  - { id: ok, type: noop }
                  - id: no_path
                    type: sensor.file
                    config: { poke_interval: 5s }
                  - id: fast
                    type: sensor.file
                    config: { path: x, poke_interval: 500ms }
                  - id: resched
                    type: sensor.sql
                    config: { query: select 1, mode: sometimes }
                  - id: bad_interval
                    type: sensor.http
                    config: { url: "http://x", poke_interval: often, expect_status: 9 }
                  - id: ext
                    type: sensor.external_task
                    config: { logical_date: yesterday }
                """);
        assertThat(line(errors, "path")).startsWith("dags/s.yaml:6");
        assertThat(line(errors, "must be at least 1s"))
                .startsWith("dags/s.yaml:9")
                .contains("poke_interval");
        assertThat(line(errors, "mode: expected poke or reschedule, got \"sometimes\""))
                .startsWith("dags/s.yaml:12");
        assertThat(line(errors, "bad duration \"often\"")).startsWith("dags/s.yaml:15");
        assertThat(line(errors, "expect_status: expected an HTTP status")).startsWith("dags/s.yaml:15");
        assertThat(line(errors, "dag_id")).startsWith("dags/s.yaml:18");
        assertThat(line(errors, "logical_date: expected an ISO-8601")).startsWith("dags/s.yaml:18");
    }
}
