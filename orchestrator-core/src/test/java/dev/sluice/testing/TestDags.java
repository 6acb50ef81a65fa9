package dev.sluice.testing;

import dev.sluice.dag.Dag;
import dev.sluice.dag.RetryBackoff;
import dev.sluice.dag.TaskDef;
import dev.sluice.dag.TriggerRule;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Small DAGs built in code for engine tests that do not exercise the YAML loader. */
public final class TestDags {
    private TestDags() {}

    public static TaskDef task(String id, String type, List<String> deps, Map<String, Object> config) {
        return new TaskDef(
                id,
                type,
                deps,
                TriggerRule.ALL_SUCCESS,
                0,
                Duration.ofSeconds(1),
                RetryBackoff.FIXED,
                Duration.ofHours(1),
                Duration.ofHours(1),
                "default",
                0,
                config,
                TaskDef.DEFAULT_QUEUE,
                null,
                false,
                null,
                List.of(),
                null);
    }

    public static TaskDef withRetries(TaskDef t, int retries, Duration delay, RetryBackoff backoff) {
        return t.withRetries(retries, delay, backoff);
    }

    public static TaskDef withTimeout(TaskDef t, Duration timeout) {
        return t.withTimeout(timeout);
    }

    public static TaskDef withRule(TaskDef t, TriggerRule rule) {
        return t.withTriggerRule(rule);
    }

    public static TaskDef onQueue(TaskDef t, String queue) {
        return t.withQueue(queue);
    }

    public static Dag dag(String id, int maxActiveRuns, List<TaskDef> tasks) {
        return new Dag(
                id,
                "",
                null,
                "UTC",
                null,
                null,
                false,
                maxActiveRuns,
                64,
                List.of(),
                Map.of(),
                tasks,
                dev.sluice.dag.Notifications.NONE,
                null,
                null);
    }

    /** {@code dag} declaring {@code params}. */
    public static Dag withParams(Dag dag, dev.sluice.dag.ParamSpec... params) {
        Map<String, dev.sluice.dag.ParamSpec> byName = new java.util.LinkedHashMap<>();
        for (var p : params) byName.put(p.name(), p);
        return dag.withParams(byName);
    }

    public static Dag linear(String id, int n, String type, Map<String, Object> config) {
        List<TaskDef> tasks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            tasks.add(task("t" + i, type, i == 0 ? List.of() : List.of("t" + (i - 1)), config));
        }
        return dag(id, 1000, tasks);
    }
}
