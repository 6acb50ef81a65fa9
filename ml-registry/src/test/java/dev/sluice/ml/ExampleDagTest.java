package dev.sluice.ml;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.task.ConfigField;
import dev.sluice.task.TaskType;
import dev.sluice.task.TaskTypeRegistry;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * examples/dags/daily_retraining.yaml, run task by task the way the engine will: config keys checked against the
 * declared fields, templates rendered ({{ params.X }}, {{ tasks.ID.output.KEY }}), direct upstream outputs
 * passed in. The template rendering here is a stand-in for the engine's, only as rich as the example needs.
 */
class ExampleDagTest {
    private static final Pattern TEMPLATE =
            Pattern.compile("\\{\\{\\s*([a-z_]+)\\.([A-Za-z0-9_]+)(?:\\.output\\.([A-Za-z0-9_]+))?\\s*}}");

    @Test
    @SuppressWarnings("unchecked")
    void the_daily_retraining_example_runs_end_to_end() throws Exception {
        Path dagFile =
                AdultData.dir().resolve("../../dags/daily_retraining.yaml").normalize();
        Map<String, Object> dag;
        try (Reader r = Files.newBufferedReader(dagFile)) {
            dag = new Yaml().load(r);
        }
        assertThat(dag).containsEntry("schedule", "0 3 * * *").containsKeys("id", "tasks", "defaults", "params");
        Map<String, Object> params = new LinkedHashMap<>();
        ((Map<String, Map<String, Object>>) dag.get("params")).forEach((k, v) -> params.put(k, v.get("default")));
        List<Map<String, Object>> tasks = (List<Map<String, Object>>) dag.get("tasks");
        TaskTypeRegistry types = TaskTypeRegistry.discover();

        Path home = Files.createTempDirectory("sluice-ml-example");
        DataSource ds = TestDb.dataSource();
        Map<String, Map<String, Object>> outputs = new LinkedHashMap<>();
        for (Map<String, Object> task : order(tasks)) {
            String id = (String) task.get("id");
            TaskType type = types.get((String) task.get("type"));
            assertThat(type).as("type of %s", id).isNotNull();
            Map<String, Object> config =
                    new LinkedHashMap<>((Map<String, Object>) task.getOrDefault("config", Map.of()));
            Set<String> declared =
                    type.configFields().stream().map(ConfigField::name).collect(Collectors.toSet());
            assertThat(declared).as("config keys of %s", id).containsAll(config.keySet());
            assertThat(type.validate(config)).as("validation of %s", id).isEmpty();
            for (ConfigField f : type.configFields()) {
                assertThat(f.type().check(config.get(f.name())))
                        .as("%s.%s", id, f.name())
                        .isNull();
            }
            // Keep this test's registry entries apart from the other tests sharing the database.
            if (config.containsKey("model_name")) config.put("model_name", "adult_income_example");
            // The example trains 300 rounds; 100 keep this wiring test fast on two busy cores (ROC-AUC stays > 0.9).
            if (config.containsKey("rounds")) config.put("rounds", 100);

            TestTaskContext.Builder b = TestTaskContext.task(id)
                    .home(home)
                    .dagDirectory(dagFile.getParent())
                    .service(DataSource.class, ds);
            ((Map<String, Object>) render(config, params, outputs)).forEach(b::config);
            for (String up : (List<String>) task.getOrDefault("depends_on", List.of())) b.upstream(up, outputs.get(up));
            long t0 = System.nanoTime();
            outputs.put(id, type.execute(b.build()).output());
            System.out.printf("%s took %.2f s%n", id, (System.nanoTime() - t0) / 1e9);
        }

        assertThat(outputs.get("ingest")).containsEntry("rows", 32_561L).containsEntry("bad_rows", 0L);
        assertThat(outputs.get("deploy"))
                .containsEntry("model_name", "adult_income_example")
                .containsEntry("version", 1);
        Map<String, Object> metrics =
                (Map<String, Object>) outputs.get("evaluate").get("metrics");
        assertThat((double) metrics.get("roc_auc")).isGreaterThan(0.9);
        assertThat(new dev.sluice.ml.registry.ModelRegistry(ds).models()).anySatisfy(m -> {
            assertThat(m.name()).isEqualTo("adult_income_example");
            assertThat(m.description()).isEqualTo("UCI Adult, income above 50K a year");
        });
        System.out.println("example DAG test metrics: " + metrics);
    }

    /** Depends-on order (the engine's job; here a simple repeated scan). */
    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> order(List<Map<String, Object>> tasks) {
        List<Map<String, Object>> out = new ArrayList<>();
        Set<String> done = new LinkedHashSet<>();
        while (out.size() < tasks.size()) {
            for (Map<String, Object> t : tasks) {
                if (!done.contains(t.get("id"))
                        && done.containsAll((List<String>) t.getOrDefault("depends_on", List.of()))) {
                    out.add(t);
                    done.add((String) t.get("id"));
                }
            }
        }
        return out;
    }

    private static Object render(Object v, Map<String, Object> params, Map<String, Map<String, Object>> outputs) {
        if (v instanceof String s) {
            Matcher m = TEMPLATE.matcher(s);
            StringBuilder sb = new StringBuilder();
            while (m.find()) {
                Object value = m.group(1).equals("params")
                        ? params.get(m.group(2))
                        : outputs.get(m.group(2)).get(m.group(3));
                assertThat(value).as("template %s", m.group()).isNotNull();
                m.appendReplacement(sb, Matcher.quoteReplacement(String.valueOf(value)));
            }
            m.appendTail(sb);
            return sb.toString();
        }
        if (v instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, x) -> out.put(String.valueOf(k), render(x, params, outputs)));
            return out;
        }
        if (v instanceof List<?> list)
            return list.stream().map(x -> render(x, params, outputs)).toList();
        return v;
    }
}
