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
    @ValueSource(
            strings = {
                "nightly_etl.yaml",
                "minimal_manual.yaml",
                "defaults_and_overrides.yaml",
                "params_with_ranges.yaml"
            })
    void roundTripsToAnEqualDag(String fixture) {
        Dag dag = parseFixture(fixture);

        Dag back = DagJson.fromJson(DagJson.toJson(dag));

        assertThat(back).isEqualTo(dag);
        assertThat(DagJson.toJson(back)).isEqualTo(DagJson.toJson(dag));
    }

    @Test
    void writesTheStoredFormatExactly() {
        // Pinned: stored versions and their hashes depend on this text. Change it only with a migration in mind.
        assertThat(DagJson.toJson(parseFixture("minimal_manual.yaml")))
                .isEqualTo("{\"id\":\"minimal_manual\",\"description\":null,\"schedule\":null,\"timezone\":\"UTC\","
                        + "\"start_date\":null,\"end_date\":null,\"catchup\":false,\"max_active_runs\":16,"
                        + "\"max_active_tasks\":64,\"tags\":[],\"params\":{},\"tasks\":[{\"id\":\"only\",\"type\":\"shell\","
                        + "\"depends_on\":[],\"trigger_rule\":\"all_success\",\"retries\":0,\"retry_delay\":\"10s\","
                        + "\"retry_backoff\":\"exponential\",\"max_retry_delay\":\"1h\",\"timeout\":\"1h\","
                        + "\"pool\":\"default\",\"priority\":0,\"config\":{\"command\":\"echo hi\"}}]}");
        assertThat(DagJson.toJson(parseFixture("nightly_etl.yaml")))
                .contains(
                        "\"start_date\":\"2026-01-01\"",
                        "\"retry_delay\":\"1s\"",
                        "\"timeout\":\"30s\"",
                        "\"params\":{\"threshold\":{\"type\":\"number\",\"default\":0.8,\"description\":\"...\"}}");
        assertThat(DagJson.toJson(parseFixture("params_with_ranges.yaml")))
                .contains(
                        "\"mode\":{\"type\":\"string\",\"default\":\"fast\",\"description\":null,\"enum\":[\"fast\",\"slow\"]}",
                        "\"threshold\":{\"type\":\"number\",\"default\":0.5,\"description\":null,\"minimum\":0,\"maximum\":1}");
    }

    @Test
    void hashIsStableAndChangesWithTheDefinition() {
        Dag dag = parseFixture("nightly_etl.yaml");
        String hash = DagJson.sha256(dag);

        assertThat(hash).hasSize(64).isEqualTo(DagJson.sha256(parseFixture("nightly_etl.yaml")));
        assertThat(DagJson.sha256(DagJson.fromJson(DagJson.toJson(dag)))).isEqualTo(hash);
        Dag changed = dag.withSchedule("0 3 * * *");
        assertThat(DagJson.sha256(changed)).isNotEqualTo(hash);
    }

    @Test
    void configKeyOrderIsKeptThroughStorageBecauseItCanMatter() {
        // e.g. ml.ingest's columns: the CSV's columns in file order; sorting them would misalign every row
        Map<String, Object> columns = new LinkedHashMap<>();
        columns.put("zeta", "number");
        columns.put("alpha", "string");
        Map<String, Object> reversed = new LinkedHashMap<>();
        reversed.put("alpha", "string");
        reversed.put("zeta", "number");

        Dag first = DagBuilder.dag("ordered")
                .task("t", "shell", t -> t.config("command", "x").config("env", columns))
                .build(registry());
        Dag second = DagBuilder.dag("ordered")
                .task("t", "shell", t -> t.config("command", "x").config("env", reversed))
                .build(registry());

        Dag stored = DagJson.fromJson(DagJson.toJson(first));
        @SuppressWarnings("unchecked")
        Map<String, Object> env =
                (Map<String, Object>) stored.tasks().get(0).config().get("env");
        assertThat(env.keySet()).containsExactly("zeta", "alpha");
        assertThat(DagJson.sha256(first)).isNotEqualTo(DagJson.sha256(second));
    }
}
