package dev.sluice.task;

import java.util.List;
import java.util.Map;

/** The value types a task config field may declare. Strings may hold templates, checked after rendering. */
public enum FieldType {
    STRING,
    INTEGER,
    NUMBER,
    BOOLEAN,
    DURATION,
    LIST,
    MAP,
    ANY;

    /** Null when {@code value} fits this type, otherwise a message saying what was expected. */
    public String check(Object value) {
        if (value == null) return null;
        boolean templated = value instanceof String s && dev.sluice.template.TemplateRenderer.isTemplate(s);
        return switch (this) {
            case STRING -> value instanceof String ? null : "expected a string, got " + describe(value);
            case INTEGER ->
                value instanceof Integer || value instanceof Long || templated
                        ? null
                        : "expected an integer, got " + describe(value);
            case NUMBER -> value instanceof Number || templated ? null : "expected a number, got " + describe(value);
            case BOOLEAN ->
                value instanceof Boolean || templated ? null : "expected true or false, got " + describe(value);
            case DURATION -> {
                if (templated) yield null;
                try {
                    Durations.parse(String.valueOf(value));
                    yield null;
                } catch (IllegalArgumentException e) {
                    yield e.getMessage();
                }
            }
            case LIST -> value instanceof List ? null : "expected a list, got " + describe(value);
            case MAP -> value instanceof Map ? null : "expected a mapping, got " + describe(value);
            case ANY -> null;
        };
    }

    private static String describe(Object v) {
        if (v instanceof String s) return "\"" + s + "\"";
        if (v instanceof List) return "a list";
        if (v instanceof Map) return "a mapping";
        return String.valueOf(v);
    }
}
