package dev.sluice.task;

import java.util.Map;

/** What a successful attempt produced. {@code output} is stored as JSON and readable by downstream templates. */
public record TaskResult(Map<String, Object> output) {
    public static final TaskResult EMPTY = new TaskResult(Map.of());

    public static TaskResult of(Map<String, Object> output) {
        return new TaskResult(output == null ? Map.of() : output);
    }
}
