package dev.sluice.task;

import java.util.List;

/**
 * A kind of task a DAG can use ({@code shell}, {@code http}, {@code ml.train}...). Implementations are found with
 * {@link java.util.ServiceLoader}: list the class in {@code META-INF/services/dev.sluice.task.TaskType}.
 *
 * <p>An instance is shared by every run and thread, so keep per-execution state in locals.
 */
public interface TaskType {

    /** The name DAG files use in {@code type:}. Lower case, dots allowed ({@code ml.train}). */
    String name();

    /** One line for docs and the UI. */
    default String description() {
        return "";
    }

    /** The config keys this type accepts. A DAG file using any other key is rejected before it runs. */
    List<ConfigField> configFields();

    /**
     * Extra checks on a task's (not yet rendered) config beyond field types, e.g. "one of a or b is required".
     * Return messages naming the field; an empty list means valid.
     */
    default List<String> validate(java.util.Map<String, Object> config) {
        return List.of();
    }

    /**
     * Runs one attempt. Return normally for success; throw {@link TaskFailedException} (or any exception) for a
     * failure, which is retried if the task has retries left. Implementations should check
     * {@link TaskContext#isCancelled()} or respond to interruption: timeouts and cancels interrupt the thread.
     */
    TaskResult execute(TaskContext context) throws Exception;
}
