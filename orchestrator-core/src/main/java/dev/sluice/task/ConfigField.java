package dev.sluice.task;

/**
 * One config key a task type accepts: name, type, whether it is required, its default, and a description that
 * documents the task and can drive a form in the UI.
 */
public record ConfigField(String name, FieldType type, boolean required, Object defaultValue, String description) {

    public static ConfigField required(String name, FieldType type, String description) {
        return new ConfigField(name, type, true, null, description);
    }

    public static ConfigField optional(String name, FieldType type, Object defaultValue, String description) {
        return new ConfigField(name, type, false, defaultValue, description);
    }
}
