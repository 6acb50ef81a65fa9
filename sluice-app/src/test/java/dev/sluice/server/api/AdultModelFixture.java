package dev.sluice.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.server.auth.Role;
import java.io.Reader;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.Yaml;

/**
 * Registers real models by running examples/dags/daily_retraining.yaml through the test server's engine, cut
 * down so a run takes seconds: a slice of the Adult rows, few boosting rounds, no schedule (the scheduler must
 * not add runs of its own), no retries (a failure shows at once), and its own model name. Everything else —
 * task types, preprocessing, features, the evaluate gate, deploy — is the example as users run it.
 */
final class AdultModelFixture {
    static final String DAG_ID = "models_api_adult";
    static final String MODEL = "adult_income_api_test";
    static final int ROWS = 3000;
    static final int ROUNDS = 20;

    private AdultModelFixture() {}

    /** Writes the cut-down DAG into the server's DAG folder and loads it. */
    static void install(ApiServer server) throws Exception {
        Path examples = examples();
        Map<String, Object> dag;
        try (Reader r = Files.newBufferedReader(examples.resolve("dags/daily_retraining.yaml"))) {
            dag = new Yaml().load(r);
        }
        dag.put("id", DAG_ID);
        for (String k : List.of("schedule", "start_date", "catchup", "timezone")) dag.remove(k);
        defaults(dag).put("retries", 0);
        param(dag, "min_roc_auc").put("default", 0.6);
        config(dag, "ingest")
                .put("path", examples.resolve("data/adult/adult-train.csv").toString());
        config(dag, "ingest").compute("sql", (k, sql) -> sql + " LIMIT " + ROWS);
        // The engine keeps task config as PostgreSQL jsonb, which reorders object keys; the example's name: type
        // mapping then names the header-less CSV's columns in the wrong order and every row is rejected. A list of
        // names keeps its order (types are inferred, the same ones for Adult).
        config(dag, "ingest").compute("columns", (k, cols) -> List.copyOf(((Map<?, ?>) cols).keySet()));
        config(dag, "validate_data").put("min_rows", ROWS / 2);
        // The engine hands a task the outputs of every finished task of the run, not only its direct upstream, so
        // the example's implicit inputs are ambiguous there (ingest and validate_data both output "dataset"...):
        // name each input explicitly.
        config(dag, "split").put("dataset", "{{ tasks.validate_data.output.dataset }}");
        for (String part : List.of("train", "validation", "test")) {
            config(dag, "preprocess").put(part, "{{ tasks.split.output." + part + " }}");
            config(dag, "feature").put(part, "{{ tasks.preprocess.output." + part + " }}");
        }
        config(dag, "feature").put("transform", "{{ tasks.preprocess.output.transform }}");
        config(dag, "train").put("train", "{{ tasks.feature.output.train }}");
        config(dag, "train").put("validation", "{{ tasks.feature.output.validation }}");
        config(dag, "train").put("transform", "{{ tasks.feature.output.transform }}");
        config(dag, "evaluate").put("bundle", "{{ tasks.train.output.bundle }}");
        config(dag, "deploy").put("bundle", "{{ tasks.train.output.bundle }}");
        config(dag, "train").put("rounds", ROUNDS);
        config(dag, "evaluate").put("model_name", MODEL);
        config(dag, "evaluate").put("max", Map.of("log_loss", 0.6));
        // The second run's model must be deployed whatever it scores against the first: the tests need two versions.
        config(dag, "evaluate").put("champion_tolerance", 1.0);
        config(dag, "deploy").put("model_name", MODEL);
        Path dags = server.app.config.home().resolve("dags");
        Files.writeString(dags.resolve(DAG_ID + ".yaml"), new Yaml().dump(dag));
        server.app.dagSync.sync();
    }

    /** Triggers a run with this seed and waits for it to succeed; returns its run id. */
    static String run(ApiServer server, int seed) throws InterruptedException {
        return run(server, DAG_ID, seed);
    }

    static String run(ApiServer server, String dagId, int seed) throws InterruptedException {
        var created = server.post("/dags/" + dagId + "/runs", Role.OPERATOR, "{\"params\": {\"seed\": " + seed + "}}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String runId = created.json().path("run_id").asText();
        long deadline = System.currentTimeMillis() + 90_000;
        String state = "";
        while (System.currentTimeMillis() < deadline) {
            state = server.get("/dags/" + dagId + "/runs/" + enc(runId), Role.VIEWER)
                    .json()
                    .path("state")
                    .asText();
            if (List.of("success", "failed", "cancelled").contains(state)) break;
            Thread.sleep(200);
        }
        assertThat(state)
                .as("run " + runId + ": "
                        + server.get("/dags/" + dagId + "/runs/" + enc(runId), Role.VIEWER)
                                .body())
                .isEqualTo("success");
        return runId;
    }

    static JsonNode taskOutput(ApiServer server, String runId, String taskId) {
        return taskOutput(server, DAG_ID, runId, taskId);
    }

    static JsonNode taskOutput(ApiServer server, String dagId, String runId, String taskId) {
        return server.get("/dags/" + dagId + "/runs/" + enc(runId) + "/tasks/" + taskId, Role.VIEWER)
                .json()
                .path("output");
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    static Path examples() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("examples/data/adult"))) p = p.getParent();
        if (p == null)
            throw new IllegalStateException(
                    "examples/data/adult not found above " + Path.of("").toAbsolutePath());
        return p.resolve("examples");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> defaults(Map<String, Object> dag) {
        return (Map<String, Object>) dag.get("defaults");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> param(Map<String, Object> dag, String name) {
        return ((Map<String, Map<String, Object>>) dag.get("params")).get(name);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> config(Map<String, Object> dag, String taskId) {
        for (Map<String, Object> t : (List<Map<String, Object>>) dag.get("tasks")) {
            if (taskId.equals(t.get("id"))) return (Map<String, Object>) t.get("config");
        }
        throw new IllegalStateException("the example DAG has no task " + taskId);
    }
}
