package dev.sluice.ml.task;

import dev.sluice.task.ConfigField;
import dev.sluice.task.TaskFailedException;
import dev.sluice.template.TemplateRenderer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Typed reads of a rendered task config, falling back to the declared defaults. Templates render to strings, so
 * numbers and booleans are also accepted as text. Errors name the field.
 */
final class Cfg {
    private final Map<String, Object> values;
    private final Map<String, ConfigField> fields = new LinkedHashMap<>();

    Cfg(Map<String, Object> config, List<ConfigField> declared) {
        this.values = config == null ? Map.of() : config;
        for (ConfigField f : declared) fields.put(f.name(), f);
    }

    Object raw(String key) {
        Object v = values.get(key);
        if (v == null && fields.containsKey(key)) v = fields.get(key).defaultValue();
        return v;
    }

    boolean has(String key) {
        Object v = raw(key);
        return v != null && !(v instanceof String s && s.isBlank());
    }

    String str(String key) throws TaskFailedException {
        Object v = raw(key);
        if (v == null || v.toString().isBlank()) throw new TaskFailedException("config " + key + " is required");
        return v.toString();
    }

    String str(String key, String fallback) {
        Object v = raw(key);
        return v == null || v.toString().isBlank() ? fallback : v.toString();
    }

    String oneOf(String key, String... allowed) throws TaskFailedException {
        String v = str(key);
        for (String a : allowed) if (a.equals(v)) return v;
        throw new TaskFailedException(
                "config " + key + " must be one of " + String.join(", ", allowed) + ", got \"" + v + "\"");
    }

    double dbl(String key) throws TaskFailedException {
        Object v = raw(key);
        if (v instanceof Number n) return n.doubleValue();
        try {
            return Double.parseDouble(str(key));
        } catch (NumberFormatException e) {
            throw new TaskFailedException("config " + key + " must be a number, got \"" + v + "\"");
        }
    }

    long lng(String key) throws TaskFailedException {
        Object v = raw(key);
        if (v instanceof Number n) return n.longValue();
        try {
            return Long.parseLong(str(key));
        } catch (NumberFormatException e) {
            throw new TaskFailedException("config " + key + " must be an integer, got \"" + v + "\"");
        }
    }

    int integer(String key) throws TaskFailedException {
        return Math.toIntExact(lng(key));
    }

    boolean bool(String key) throws TaskFailedException {
        Object v = raw(key);
        if (v instanceof Boolean b) return b;
        String s = str(key);
        if (s.equals("true") || s.equals("false")) return Boolean.parseBoolean(s);
        throw new TaskFailedException("config " + key + " must be true or false, got \"" + s + "\"");
    }

    List<String> strings(String key) throws TaskFailedException {
        Object v = raw(key);
        if (v == null) return List.of();
        if (!(v instanceof List<?> l)) throw new TaskFailedException("config " + key + " must be a list");
        List<String> out = new ArrayList<>();
        for (Object o : l) out.add(String.valueOf(o));
        return out;
    }

    /** A value the engine will render at run time ({{ ... }} or {% ... %}): not checkable before then. */
    static boolean isTemplate(Object v) {
        return v instanceof String s && TemplateRenderer.isTemplate(s);
    }

    /** Validation errors for the given keys whose values are not durations (10s, 5m, 1h30m), templates aside. */
    static List<String> durationErrors(Map<String, Object> config, String... keys) {
        List<String> errors = new ArrayList<>();
        for (String k : keys) {
            Object v = config.get(k);
            if (v == null || isTemplate(v)) continue;
            try {
                dev.sluice.task.Durations.parse(v.toString());
            } catch (IllegalArgumentException e) {
                errors.add(k + ": " + e.getMessage());
            }
        }
        return errors;
    }

    /** A number, or text holding one (rendered templates are text); null otherwise. */
    static Number number(Object v) {
        if (v instanceof Number n) return n;
        if (v instanceof String s) {
            try {
                return Double.parseDouble(s.trim());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> map(String key) throws TaskFailedException {
        Object v = raw(key);
        if (v == null) return Map.of();
        if (!(v instanceof Map<?, ?> m)) throw new TaskFailedException("config " + key + " must be a mapping");
        return (Map<String, Object>) m;
    }
}
