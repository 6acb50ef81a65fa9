package dev.sluice.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.server.auth.Role;
import java.nio.file.Files;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Trigger-time param checks (a 400 naming the param) and params with secret-looking names masked wherever a run is
 * shown, while the task still receives the value.
 */
class RunParamsApiTest {
    static final String PARAMS_DAG = """
            id: params_dag
            params:
              rows: { type: integer, default: 5, minimum: 1, maximum: 1000000 }
              ratio: { type: number, default: 0.5, minimum: 0, maximum: 1 }
              mode: { type: string, default: fast, enum: [fast, slow] }
              api_token: { type: string, default: none }
            tasks:
              - id: check
                type: shell
                config:
                  command: |
                    test "$SLUICE_PARAM_API_TOKEN" = '{{ params.api_token }}'
                    seq 1 "$SLUICE_PARAM_ROWS" | tail -n 1
            """;
    static ApiServer server;

    @BeforeAll
    static void start() throws Exception {
        server = ApiServer.shared();
        Files.writeString(server.app.config.home().resolve("dags").resolve("params_dag.yaml"), PARAMS_DAG);
        server.app.dagSync.sync();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            {"rows": 1e400}                | params.rows  | must be a finite number~beyond the range of a double
            {"rows": 9223372036854775808}  | params.rows  | integers must fit in 64 bits~integers must lie between
            {"rows": -9223372036854775809} | params.rows  | integers must fit in 64 bits~integers must lie between
            {"rows": 0}                    | params.rows  | must be at least 1, got 0
            {"rows": 2.5}                  | params.rows  | expected integer, got 2.5
            {"ratio": 1e400}               | params.ratio | must be a finite number~beyond the range of a double
            {"ratio": 1.01}                | params.ratio | must be at most 1, got 1.01
            {"mode": "medium"}             | params.mode  | must be one of ["fast", "slow"], got "medium"
            {"nope": 1}                    | params.nope  | not declared by DAG params_dag
            """)
    void a_param_outside_its_declaration_is_a_400_naming_it(String params, String field, String messages) {
        var answer = server.post("/dags/params_dag/runs", Role.OPERATOR, "{\"params\": " + params + "}");
        assertThat(answer.status()).as(answer.body()).isEqualTo(400);
        assertThat(answer.json().path("field").asText()).isEqualTo(field);
        // a value no JSON number type holds is refused at the HTTP edge already, in its words; the rest by the engine
        assertThat(answer.json().path("error").asText()).containsAnyOf(messages.split("~"));
    }

    @Test
    void the_dag_detail_offers_ranges_and_allowed_values_to_the_trigger_form() {
        JsonNode params = server.get("/dags/params_dag", Role.VIEWER).json().path("params");
        assertThat(params.path("rows").path("minimum").asInt()).isEqualTo(1);
        assertThat(params.path("rows").path("maximum").asInt()).isEqualTo(1_000_000);
        assertThat(params.path("mode").path("enum").toString()).isEqualTo("[\"fast\",\"slow\"]");
        assertThat(params.path("api_token").path("enum").isNull()).isTrue();
    }

    @Test
    void a_secret_looking_param_is_masked_in_runs_and_the_audit_log_but_reaches_the_task() throws Exception {
        var created = server.post(
                "/dags/params_dag/runs",
                Role.OPERATOR,
                "{\"params\": {\"api_token\": \"tok-very-secret\", \"rows\": 3}}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.body()).doesNotContain("tok-very-secret");
        assertThat(created.json().path("params").path("api_token").asText()).isEqualTo("***");
        assertThat(created.json().path("params").path("rows").asInt()).isEqualTo(3);
        String runId = created.json().path("run_id").asText();

        // the task compares the value it got with the real one: success proves it was not masked for the task
        assertThat(server.awaitRun("params_dag", runId)).isEqualTo("success");

        String list = server.get("/runs?dag_id=params_dag", Role.VIEWER).body();
        assertThat(list).contains(runId).contains("\"api_token\":\"***\"").doesNotContain("tok-very-secret");
        String detail = server.get("/dags/params_dag/runs/" + RunLifecycleTest.enc(runId), Role.VIEWER)
                .body();
        assertThat(detail).contains("\"api_token\":\"***\"").doesNotContain("tok-very-secret");
        String audit = server.get("/audit?limit=200", Role.ADMIN).body();
        assertThat(audit).contains(runId).doesNotContain("tok-very-secret");
        assertThat(server.get("/audit?limit=200", Role.ADMIN).json().path("items"))
                .anySatisfy(e -> {
                    assertThat(e.path("action").asText()).isEqualTo("run.trigger");
                    assertThat(e.path("target").asText()).endsWith(runId);
                    assertThat(e.path("details")
                                    .path("params")
                                    .path("api_token")
                                    .asText())
                            .isEqualTo("***");
                });
    }
}
