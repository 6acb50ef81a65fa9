package dev.sluice.dag;

import static dev.sluice.dag.FakeTaskTypes.parseFixture;
import static dev.sluice.dag.FakeTaskTypes.registry;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DagJsonTest {

    @ParameterizedTest
    @ValueSource(strings = {"nightly_etl.yaml", "minimal_manual.yaml", "defaults_and_overrides.yaml"})
    void roundTripsToAnEqualDag(String fixture) {
        Dag dag = parseFixture(fixture);

        Dag back = DagJson.fromJson(DagJson.toJson(dag));

        assertThat(back).isEqualTo(dag);
        assertThat(DagJson.toJson(back)).isEqualTo(DagJson.toJson(dag));
    }

    @Test
    void writesTheStoredFormatExactly() {
        // Pinned: stored versions and their hashes depend on this text. Change it only with a migration in mind.
        assertThat(DagJson.toJson(parseFixture("minimal_manual.yaml"))).isEqualTo(
                "{\"catchup\":false,\"description\":null,\"end_date\":null,\"id\":\"minimal_manual\","
                        + "\"max_active_runs\":16,\"max_active_tasks\":64,\"params\":{},\"schedule\":null,"
                        + "\"start_date\":null,\"tags\":[],\"tasks\":[{\"config\":{\"command\":\"echo hi\"},"
                        + "\"depends_on\":[],\"id\":\"only\",\"max_retry_delay\":\"1h\",\"pool\":\"default\","
                        + "\"priority\":0,\"retries\":0,\"retry_backoff\":\"exponential\",\"retry_delay\":\"10s\","
                        + "\"timeout\":\"1h\",\"trigger_rule\":\"all_success\",\"type\":\"shell\"}],\"timezone\":\"UTC\"}");
        assertThat(DagJson.toJson(parseFixture("nightly_etl.yaml")))
                .contains("\"start_date\":\"2026-01-01\"", "\"retry_delay\":\"1s\"", "\"timeout\":\"30s\"",
                        "\"params\":{\"threshold\":{\"default\":0.8,\"description\":\"...\",\"type\":\"number\"}}");
    }

    @Test
    void hashIsStableAndChangesWithTheDefinition() {
        Dag dag = parseFixture("nightly_etl.yaml");
        String hash = DagJson.sha256(dag);

        assertThat(hash).hasSize(64).isEqualTo(DagJson.sha256(parseFixture("nightly_etl.yaml")));
        assertThat(DagJson.sha256(DagJson.fromJson(DagJson.toJson(dag)))).isEqualTo(hash);
        Dag changed = new Dag(dag.id(), dag.description(), "0 3 * * *", dag.timezone(), dag.startDate(), dag.endDate(),
                dag.catchup(), dag.maxActiveRuns(), dag.maxActiveTasks(), dag.tags(), dag.params(), dag.tasks());
        assertThat(DagJson.sha256(changed)).isNotEqualTo(hash);
    }

    @Test
    void configKeyOrderDoesNotChangeTheHash() {
        Map<String, Object> ab = new LinkedHashMap<>();
        ab.put("command", "x");
        ab.put("env", Map.of("B", "2", "A", "1"));
        Map<String, Object> ba = new LinkedHashMap<>();
        ba.put("env", Map.of("A", "1", "B", "2"));
        ba.put("command", "x");

        Dag first = DagBuilder.dag("ordered").task("t", "shell", t -> t.config(ab)).build(registry());
        Dag second = DagBuilder.dag("ordered").task("t", "shell", t -> t.config(ba)).build(registry());

        assertThat(DagJson.sha256(first)).isEqualTo(DagJson.sha256(second));
    }
}
