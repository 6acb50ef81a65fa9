package dev.sluice.task.builtin;

import dev.sluice.task.ConfigField;
import dev.sluice.task.Durations;
import dev.sluice.task.FieldType;
import dev.sluice.task.TaskContext;
import dev.sluice.task.TaskFailedException;
import dev.sluice.task.TaskResult;
import dev.sluice.task.TaskType;
import java.util.List;
import java.util.Map;

/** Does nothing, optionally for a while: for joins, tests and benchmarks. */
public final class NoopTask implements TaskType {
    @Override
    public String name() {
        return "noop";
    }

    @Override
    public String description() {
        return "Does nothing (optionally waits), for joins and benchmarks";
    }

    @Override
    public List<ConfigField> configFields() {
        return List.of(
                ConfigField.optional("duration", FieldType.DURATION, "0ms", "how long to wait before succeeding"),
                ConfigField.optional("fail", FieldType.BOOLEAN, false, "fail instead of succeeding"),
                ConfigField.optional("output", FieldType.MAP, Map.of(), "output to return"));
    }

    @Override
    @SuppressWarnings("unchecked")
    public TaskResult execute(TaskContext ctx) throws Exception {
        long ms = Durations.parse(String.valueOf(ctx.config().getOrDefault("duration", "0ms")))
                .toMillis();
        if (ms > 0) Thread.sleep(ms);
        if (Boolean.TRUE.equals(ctx.config().get("fail"))) throw new TaskFailedException("noop told to fail");
        return TaskResult.of((Map<String, Object>) ctx.config().getOrDefault("output", Map.of()));
    }
}
