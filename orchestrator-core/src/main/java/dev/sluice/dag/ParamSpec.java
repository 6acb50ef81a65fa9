package dev.sluice.dag;

import java.util.List;
import java.util.Map;

/** A declared run parameter: its type, default and description. */
public record ParamSpec(String name, ParamType type, Object defaultValue, String description) {

    public enum ParamType {
        STRING, NUMBER, INTEGER, BOOLEAN, LIST, OBJECT;

        public String yamlName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static ParamType fromYaml(String s) {
            for (ParamType t : values()) if (t.yamlName().equals(s)) return t;
            return null;
        }

        /** Null when {@code v} is of this type, else what was expected. */
        public String check(Object v) {
            boolean ok = switch (this) {
                case STRING -> v instanceof String;
                case NUMBER -> v instanceof Number;
                case INTEGER -> v instanceof Integer || v instanceof Long
                        || (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()));
                case BOOLEAN -> v instanceof Boolean;
                case LIST -> v instanceof List;
                case OBJECT -> v instanceof Map;
            };
            return ok || v == null ? null : "expected " + yamlName() + ", got " + (v instanceof String s ? "\"" + s + "\"" : v);
        }

        /** Parses a command-line value ({@code --param k=v}) into this type. */
        public Object parse(String text) {
            return switch (this) {
                case STRING -> text;
                case NUMBER -> {
                    try {
                        yield Double.parseDouble(text);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("expected a number, got \"" + text + "\"");
                    }
                }
                case INTEGER -> {
                    try {
                        yield Long.parseLong(text);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("expected an integer, got \"" + text + "\"");
                    }
                }
                case BOOLEAN -> {
                    if (!text.equals("true") && !text.equals("false"))
                        throw new IllegalArgumentException("expected true or false, got \"" + text + "\"");
                    yield Boolean.parseBoolean(text);
                }
                case LIST, OBJECT -> throw new IllegalArgumentException("give " + yamlName() + " params as JSON through the API");
            };
        }
    }
}
