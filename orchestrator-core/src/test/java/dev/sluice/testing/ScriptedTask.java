package dev.sluice.testing;

import dev.sluice.task.ConfigField;
import dev.sluice.task.FieldType;
import dev.sluice.task.TaskContext;
import dev.sluice.task.TaskFailedException;
import dev.sluice.task.TaskResult;
import dev.sluice.task.TaskType;
import java.util.List;
import java.util.Map;

/** A test task whose behaviour the DAG fixture sets: fail the first N attempts, sleep, produce output. */
public final class ScriptedTask implements TaskType {
    @Override
    public String name() {
        return "scripted";
    }

    @Override
    public List<ConfigField> configFields() {
        return List.of(
                ConfigField.optional("fail_attempts", FieldType.INTEGER, 0, "fail while attempt <= this"),
                ConfigField.optional("sleep_ms", FieldType.INTEGER, 0, "sleep before finishing"),
                ConfigField.optional("output", FieldType.MAP, Map.of(), "output on success"));
    }

    @Override
    @SuppressWarnings("unchecked")
    public TaskResult execute(TaskContext ctx) throws Exception {
        long sleep = ((Number) ctx.config().get("sleep_ms")).longValue();
        if (sleep > 0) Thread.sleep(sleep);
        int failN = ((Number) ctx.config().get("fail_attempts")).intValue();
        ctx.log().println("attempt " + ctx.attempt() + " of " + ctx.taskId());
        if (ctx.attempt() <= failN) throw new TaskFailedException("scripted failure on attempt " + ctx.attempt());
        return TaskResult.of((Map<String, Object>) ctx.config().get("output"));
    }
}
