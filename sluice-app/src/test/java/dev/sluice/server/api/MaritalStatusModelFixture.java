package dev.sluice.server.api;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.Yaml;

/**
 * Registers a real multi-class model by running examples/dags/adult_marital_status.yaml through the test server's
 * engine, cut down like {@link AdultModelFixture}: a slice of the rows, fewer rounds, no retries, its own DAG id
 * and model name, and gate limits a slice can meet. Task types, label grouping, stratified split, preprocessing,
 * evaluate and deploy are the example as users run it.
 */
final class MaritalStatusModelFixture {
    static final String DAG_ID = "models_api_marital_status";
    static final String MODEL = "adult_marital_status_api_test";
    static final List<String> CLASSES = List.of("divorced_or_separated", "married", "never_married", "widowed");
    static final int ROWS = 3000;
    static final int ROUNDS = 40;

    private MaritalStatusModelFixture() {}

    static void install(ApiServer server) throws Exception {
        Path examples = AdultModelFixture.examples();
        Map<String, Object> dag;
        try (Reader r = Files.newBufferedReader(examples.resolve("dags/adult_marital_status.yaml"))) {
            dag = new Yaml().load(r);
        }
        dag.put("id", DAG_ID);
        defaults(dag).put("retries", 0);
        config(dag, "ingest")
                .put("path", examples.resolve("data/adult/adult-train.csv").toString());
        config(dag, "ingest").compute("sql", (k, sql) -> sql + " LIMIT " + ROWS);
        config(dag, "train").put("rounds", ROUNDS);
        // 3,000 rows hold about 90 widowed people, too few for the example's macro F1 floor; accuracy still gates.
        config(dag, "evaluate").put("min", Map.of("accuracy", 0.55));
        config(dag, "evaluate").put("max", Map.of("log_loss", 1.0));
        config(dag, "evaluate").put("model_name", MODEL);
        config(dag, "deploy").put("model_name", MODEL);
        Files.writeString(server.app.config.home().resolve("dags").resolve(DAG_ID + ".yaml"), new Yaml().dump(dag));
        server.app.dagSync.sync();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> defaults(Map<String, Object> dag) {
        return (Map<String, Object>) dag.get("defaults");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> config(Map<String, Object> dag, String taskId) {
        for (Map<String, Object> t : (List<Map<String, Object>>) dag.get("tasks")) {
            if (taskId.equals(t.get("id"))) return (Map<String, Object>) t.get("config");
        }
        throw new IllegalStateException("the example DAG has no task " + taskId);
    }
}
