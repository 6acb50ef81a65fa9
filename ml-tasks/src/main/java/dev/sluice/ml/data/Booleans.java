package dev.sluice.ml.data;

import java.util.Locale;
import java.util.Map;

/**
 * What counts as a boolean value. DuckDB infers a CSV column as BOOLEAN when it holds any of the texts it casts to
 * one (case-insensitive): true/false, t/f, yes/no, y/n, 1/0. A caller of a model trained on such a column may send
 * JSON true/false or the very texts the data had, so the serving path (Java) accepts exactly what the dataset path
 * (DuckDB's CAST) accepts, and the two paths read the same value.
 */
public final class Booleans {
    private static final Map<String, Boolean> TEXTS = Map.of(
            "true", true, "t", true, "yes", true, "y", true, "1", true, "false", false, "f", false, "no", false, "n",
            false, "0", false);

    /** For messages: the values {@link #of} accepts. */
    public static final String ACCEPTED =
            "true or false (also the texts true/false, t/f, yes/no, y/n, 1/0 in any case, and the numbers 1/0)";

    private Booleans() {}

    /** The boolean a value stands for; null for null. */
    public static Boolean of(Object v) {
        if (v == null || v instanceof Boolean) return (Boolean) v;
        if (v instanceof String s) {
            Boolean b = TEXTS.get(s.toLowerCase(Locale.ROOT));
            if (b != null) return b;
        } else if (v instanceof Number n) {
            if (n.doubleValue() == 1) return true;
            if (n.doubleValue() == 0) return false;
        }
        throw new IllegalArgumentException(
                "expected a boolean, " + ACCEPTED + ", got " + (v instanceof String ? "\"" + v + "\"" : v));
    }

    /** Whether {@link #of} reads {@code v} (null included). */
    public static boolean accepts(Object v) {
        try {
            of(v);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
