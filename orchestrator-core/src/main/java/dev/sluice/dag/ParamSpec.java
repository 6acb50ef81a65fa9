package dev.sluice.dag;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A declared run parameter: its type, default and description, and optionally the range ({@code minimum},
 * {@code maximum}, for numbers and integers) and the allowed values ({@code enum}) a trigger must respect. A value
 * reaches templates and task processes, so it is checked before a run exists: an integer fits in 64 bits, a
 * number is finite ({@code 1e400} is not a number of rows), a string holds no NUL character.
 */
public record ParamSpec(
        String name,
        ParamType type,
        Object defaultValue,
        String description,
        Number minimum,
        Number maximum,
        List<Object> enumValues) {
    private static final BigDecimal LONG_MIN = BigDecimal.valueOf(Long.MIN_VALUE);
    private static final BigDecimal LONG_MAX = BigDecimal.valueOf(Long.MAX_VALUE);

    public ParamSpec {
        enumValues = enumValues == null ? null : Collections.unmodifiableList(new ArrayList<>(enumValues));
    }

    public ParamSpec(String name, ParamType type, Object defaultValue, String description) {
        this(name, type, defaultValue, description, null, null, null);
    }

    /** Null when {@code v} is acceptable for this param (type, range, allowed values); else what is wrong. */
    public String check(Object v) {
        if (v == null || type == null) return null;
        String problem = type.check(v);
        if (problem != null) return problem;
        if (v instanceof Number n) {
            BigDecimal d = decimal(n);
            if (minimum != null && d.compareTo(decimal(minimum)) < 0)
                return "must be at least " + plain(minimum) + ", got " + plain(n);
            if (maximum != null && d.compareTo(decimal(maximum)) > 0)
                return "must be at most " + plain(maximum) + ", got " + plain(n);
        }
        if (enumValues != null && enumValues.stream().noneMatch(allowed -> same(allowed, v))) {
            return "must be one of " + enumValues.stream().map(ParamSpec::show).toList() + ", got " + show(v);
        }
        return null;
    }

    private static boolean same(Object a, Object b) {
        if (a instanceof Number x && b instanceof Number y && finite(x) && finite(y))
            return decimal(x).compareTo(decimal(y)) == 0;
        return a.equals(b);
    }

    static String show(Object v) {
        return v instanceof String s
                ? "\"" + s + "\""
                : String.valueOf(v instanceof Number n && finite(n) ? plain(n) : v);
    }

    /** A number as people write it: {@code 5}, not {@code 5.0}; {@code 1000000}, not {@code 1.0E6}. */
    static String plain(Number n) {
        if (!finite(n)) return String.valueOf(n);
        BigDecimal d = decimal(n).stripTrailingZeros();
        return d.scale() < 0 ? d.setScale(0).toPlainString() : d.toPlainString();
    }

    static boolean finite(Number n) {
        return !(n instanceof Double d && !Double.isFinite(d)) && !(n instanceof Float f && !Float.isFinite(f));
    }

    static BigDecimal decimal(Number n) {
        if (n instanceof BigDecimal b) return b;
        if (n instanceof BigInteger b) return new BigDecimal(b);
        if (n instanceof Integer || n instanceof Long || n instanceof Short || n instanceof Byte)
            return BigDecimal.valueOf(n.longValue());
        return new BigDecimal(n.toString());
    }

    /**
     * Problems with a value for any number, nested in lists and objects too: one JSON cannot hold (infinite, NaN)
     * or one that would silently lose digits (an integer beyond 64 bits).
     */
    static String numberProblem(Object v) {
        if (v instanceof Number n) {
            if (!finite(n)) return "must be a finite number, got " + n;
            if (n instanceof BigDecimal b && !Double.isFinite(b.doubleValue()))
                return "must be a finite number, got " + b;
            if (n instanceof BigInteger b && b.bitLength() >= 64) {
                return "is out of range: integers must fit in 64 bits (" + Long.MIN_VALUE + " to " + Long.MAX_VALUE
                        + "), got " + b;
            }
        } else if (v instanceof String s) {
            if (s.indexOf('\0') >= 0) return "must not contain a NUL character";
        } else if (v instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                String p = numberProblem(list.get(i));
                if (p != null) return "[" + i + "] " + p;
            }
        } else if (v instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                String p = numberProblem(e.getValue());
                if (p != null) return "." + e.getKey() + " " + p;
            }
        }
        return null;
    }

    public enum ParamType {
        STRING,
        NUMBER,
        INTEGER,
        BOOLEAN,
        LIST,
        OBJECT;

        public String yamlName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static ParamType fromYaml(String s) {
            for (ParamType t : values()) if (t.yamlName().equals(s)) return t;
            return null;
        }

        /** Null when {@code v} is of this type and representable (finite, 64-bit integer), else what was expected. */
        public String check(Object v) {
            if (v == null) return null;
            boolean ok = switch (this) {
                case STRING -> v instanceof String;
                case NUMBER -> v instanceof Number;
                case INTEGER ->
                    v instanceof Integer
                            || v instanceof Long
                            || v instanceof BigInteger
                            || (v instanceof Number n
                                    && finite(n)
                                    && decimal(n).stripTrailingZeros().scale() <= 0);
                case BOOLEAN -> v instanceof Boolean;
                case LIST -> v instanceof List;
                case OBJECT -> v instanceof Map;
            };
            if (!ok) {
                if (this == INTEGER && v instanceof Number n && !finite(n)) return "must be a finite number, got " + n;
                return "expected " + yamlName() + ", got " + show(v);
            }
            if (this == INTEGER) {
                BigDecimal d = decimal((Number) v);
                if (d.compareTo(LONG_MIN) < 0 || d.compareTo(LONG_MAX) > 0) {
                    return "is out of range: integers must fit in 64 bits (" + Long.MIN_VALUE + " to " + Long.MAX_VALUE
                            + "), got " + plain((Number) v);
                }
                return null;
            }
            if (this == NUMBER && v instanceof BigInteger) return null; // a finite number, stored as a double
            return numberProblem(v);
        }

        /**
         * {@code v} (already {@link #check checked}) in its stored form: a whole number of an integer param as an
         * Integer or Long ({@code 5.0} becomes {@code 5}), lists and objects normalized like config values.
         */
        public Object coerce(Object v) {
            if (v == null) return null;
            if (this == INTEGER && v instanceof Number n)
                return ConfigValues.normalize(decimal(n).longValueExact());
            return ConfigValues.normalize(v);
        }

        /** Parses a command-line value ({@code --param k=v}) into this type. */
        public Object parse(String text) {
            return switch (this) {
                case STRING -> text;
                case NUMBER -> {
                    double d;
                    try {
                        d = Double.parseDouble(text);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("expected a number, got \"" + text + "\"");
                    }
                    if (!Double.isFinite(d))
                        throw new IllegalArgumentException("must be a finite number, got \"" + text + "\"");
                    yield d;
                }
                case INTEGER -> {
                    BigInteger n;
                    try {
                        n = new BigInteger(text.trim());
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("expected an integer, got \"" + text + "\"");
                    }
                    if (n.bitLength() >= 64) {
                        throw new IllegalArgumentException("is out of range: integers must fit in 64 bits ("
                                + Long.MIN_VALUE + " to " + Long.MAX_VALUE + "), got " + text);
                    }
                    yield ConfigValues.normalize(n.longValue());
                }
                case BOOLEAN -> {
                    if (!text.equals("true") && !text.equals("false"))
                        throw new IllegalArgumentException("expected true or false, got \"" + text + "\"");
                    yield Boolean.parseBoolean(text);
                }
                case LIST, OBJECT ->
                    throw new IllegalArgumentException("give " + yamlName() + " params as JSON through the API");
            };
        }
    }
}
