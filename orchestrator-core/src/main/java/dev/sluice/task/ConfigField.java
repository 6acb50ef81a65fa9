package dev.sluice.task;

import dev.sluice.template.CodeLanguage;

/**
 * One config key a task type accepts: name, type, whether it is required, its default, and a description that
 * documents the task and can drive a form in the UI. {@code code} says the field holds code in that language (a
 * shell command, a SQL query): its templates print values quoted as data of the language, never as code.
 */
public record ConfigField(
        String name, FieldType type, boolean required, Object defaultValue, String description, CodeLanguage code) {

    public ConfigField(String name, FieldType type, boolean required, Object defaultValue, String description) {
        this(name, type, required, defaultValue, description, null);
    }

    public static ConfigField required(String name, FieldType type, String description) {
        return new ConfigField(name, type, true, null, description);
    }

    public static ConfigField optional(String name, FieldType type, Object defaultValue, String description) {
        return new ConfigField(name, type, false, defaultValue, description);
    }

    /** This field, declared as code in {@code language}. */
    public ConfigField code(CodeLanguage language) {
        return new ConfigField(name, type, required, defaultValue, description, language);
    }
}
