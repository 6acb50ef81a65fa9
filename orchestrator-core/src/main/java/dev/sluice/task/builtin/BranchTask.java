package dev.sluice.task.builtin;

import dev.sluice.task.BranchChoice;
import dev.sluice.task.ConfigField;
import dev.sluice.task.FieldType;
import dev.sluice.task.TaskContext;
import dev.sluice.task.TaskFailedException;
import dev.sluice.task.TaskResult;
import dev.sluice.task.TaskType;
import java.util.List;
import java.util.Map;

/**
 * Chooses the path a run takes: {@code choose} renders to the id of one direct downstream task (or is a list of
 * such templates, one id each); the others are skipped. Its tasks are always branch tasks.
 *
 * <p>The template is the DAG author's code; values it prints (params, outputs) stay data: the rendered text is
 * taken whole as one id, never split, so a param cannot add ids, and the engine accepts only direct downstream
 * tasks. An empty result chooses none (every direct downstream task is skipped).
 */
public final class BranchTask implements TaskType {
    @Override
    public String name() {
        return BranchChoice.TYPE;
    }

    @Override
    public String description() {
        return "Chooses which direct downstream tasks run, by a template over params and outputs";
    }

    @Override
    public List<ConfigField> configFields() {
        return List.of(ConfigField.required(
                "choose",
                FieldType.ANY,
                "a template rendering to one downstream task id, or a list of them,"
                        + " e.g. \"{% if params.full %}full{% else %}incremental{% endif %}\""));
    }

    @Override
    public List<String> validate(Map<String, Object> config) {
        Object choose = config.get("choose");
        if (choose == null || BranchChoice.ids(choose) != null) return List.of();
        return List.of("choose: expected a task id template or a list of them, got " + choose);
    }

    @Override
    public TaskResult execute(TaskContext ctx) throws TaskFailedException {
        Object choose = ctx.config().get("choose");
        List<String> ids = BranchChoice.ids(choose);
        if (ids == null)
            throw new TaskFailedException("choose rendered to " + choose + ", not a task id or list of ids");
        ctx.log().println("[sluice] branch chose " + (ids.isEmpty() ? "no task" : ids));
        Object next = choose instanceof List<?> ? ids : ids.isEmpty() ? List.of() : ids.get(0);
        return TaskResult.of(Map.of(BranchChoice.OUTPUT_KEY, next));
    }
}
