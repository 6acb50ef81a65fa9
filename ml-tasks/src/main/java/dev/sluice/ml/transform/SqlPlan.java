package dev.sluice.ml.transform;

import dev.sluice.ml.data.Column;
import dev.sluice.ml.data.ColumnType;
import dev.sluice.ml.data.DatasetSchema;
import dev.sluice.ml.data.DuckDb;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The same fitted steps as a DuckDB SELECT list, for transforming whole datasets: vectorised, parallel and
 * spilling, where the row-by-row Java path costs tens of microseconds a row. Serving keeps the Java path
 * ({@link FittedTransform#apply}); the consistency test holds the two to the same predictions.
 *
 * <p>SQL's least/greatest skip NULLs, so every numeric expression guards NULL explicitly to keep Java's
 * "missing stays missing" semantics. A step without a SQL form (hashing, text, embeddings) makes {@link #selectList} empty and the
 * caller falls back to the Java path.
 *
 * <p>The same plan is written for Spark SQL by {@link Dialect#SPARK} (ml.predict with {@code engine: spark}); the
 * DuckDB text is exactly what it was before dialects existed.
 */
public final class SqlPlan {
    private SqlPlan() {}

    /** How identifiers, texts, literals and a few functions are spelt. */
    public enum Dialect {
        DUCKDB,
        /**
         * Spark SQL: backtick identifiers, backslash escapes in string literals, STRING for VARCHAR, raise_error for
         * error, weekday()+1 for isodow; a bare {@code 1.0} is a DECIMAL in Spark, so literals carry a D suffix.
         */
        SPARK;

        public String ident(String name) {
            return this == DUCKDB ? DuckDb.ident(name) : "`" + name.replace("`", "``") + "`";
        }

        public String literal(String s) {
            return this == DUCKDB
                    ? DuckDb.literal(s)
                    : "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
        }

        String text() {
            return this == DUCKDB ? "VARCHAR" : "STRING";
        }

        /** A small decimal literal such as {@code 1.0} as a double. */
        String dbl(String decimal) {
            return this == DUCKDB ? decimal : decimal + "D";
        }

        String error(String message) {
            return (this == DUCKDB ? "error(" : "raise_error(") + message + ")";
        }

        String isoDayOfWeek(String x) {
            return this == DUCKDB ? "isodow(" + x + ")" : "(weekday(" + x + ") + 1)";
        }
    }

    public static Optional<String> selectList(DatasetSchema input, List<Step> steps, DatasetSchema output) {
        return selectList(input, steps, output, Dialect.DUCKDB);
    }

    public static Optional<String> selectList(DatasetSchema input, List<Step> steps, DatasetSchema output, Dialect d) {
        return expressions(input, steps, output, d).map(exprs -> {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < exprs.size(); i++)
                out.add(exprs.get(i) + " AS " + d.ident(output.columns().get(i).name()));
            return String.join(", ", out);
        });
    }

    /** One SQL expression per output column, in output order; empty when a step has no SQL form. */
    public static Optional<List<String>> expressions(DatasetSchema input, List<Step> steps, DatasetSchema output) {
        return expressions(input, steps, output, Dialect.DUCKDB);
    }

    /** {@link #expressions(DatasetSchema, List, DatasetSchema)} in a dialect. */
    public static Optional<List<String>> expressions(
            DatasetSchema input, List<Step> steps, DatasetSchema output, Dialect d) {
        Map<String, String> e = new LinkedHashMap<>();
        for (Column c : input.columns()) {
            e.put(
                    c.name(),
                    c.type() == ColumnType.NUMBER ? "CAST(" + d.ident(c.name()) + " AS DOUBLE)" : d.ident(c.name()));
        }
        for (Step s : steps) {
            switch (s) {
                case Step.Impute i ->
                    e.put(i.column(), "coalesce(" + e.get(i.column()) + ", " + value(i.value(), d) + ")");
                case Step.Clip c ->
                    e.put(
                            c.column(),
                            nullSafe(
                                    e.get(c.column()),
                                    "least(greatest(" + e.get(c.column()) + ", " + num(c.lower()) + "), "
                                            + num(c.upper()) + ")"));
                case Step.Scale sc ->
                    e.put(
                            sc.column(),
                            "((" + e.get(sc.column()) + " - " + num(sc.center()) + ") / " + num(sc.scale()) + ")");
                case Step.OneHot h -> {
                    String v = "CAST(" + e.remove(h.column()) + " AS " + d.text() + ")";
                    String check = "";
                    if (h.failOnUnseen()) {
                        List<String> lits =
                                h.categories().stream().map(d::literal).toList();
                        check = "CASE WHEN " + v + " IS NOT NULL AND " + v + " NOT IN (" + String.join(", ", lits)
                                + ") THEN "
                                + d.error(d.literal("value \"") + " || " + v + " || "
                                        + d.literal("\" of " + h.column() + " was not seen in training"))
                                + " ELSE " + d.dbl("0.0") + " END + ";
                    }
                    for (String cat : h.categories()) {
                        e.put(
                                h.column() + "=" + cat,
                                check + "CASE WHEN " + v + " = " + d.literal(cat) + " THEN " + d.dbl("1.0") + " ELSE "
                                        + d.dbl("0.0") + " END");
                        check = "";
                    }
                }
                case Step.Ordinal o -> {
                    StringBuilder b = new StringBuilder("CASE CAST(" + e.get(o.column()) + " AS " + d.text() + ")");
                    for (int k = 0; k < o.categories().size(); k++)
                        b.append(" WHEN ")
                                .append(d.literal(o.categories().get(k)))
                                .append(" THEN ")
                                .append(d.dbl(k + ".0"));
                    e.put(
                            o.column(),
                            b.append(" ELSE " + d.dbl("-1.0") + " END").toString());
                }
                case Step.BooleanFlag f ->
                    e.put(
                            f.column(),
                            "CASE CAST(" + e.get(f.column())
                                    + " AS BOOLEAN) WHEN true THEN " + d.dbl("1.0") + " WHEN false THEN " + d.dbl("0.0")
                                    + " ELSE "
                                    + (f.missing() == null ? "NULL" : num(f.missing())) + " END");
                case Step.Interaction x -> e.put(x.a() + "*" + x.b(), "(" + e.get(x.a()) + " * " + e.get(x.b()) + ")");
                case Step.Log l ->
                    e.put(
                            "log(" + l.column() + ")",
                            nullSafe(
                                    e.get(l.column()),
                                    "ln(1 + greatest(" + d.dbl("0.0") + ", " + e.get(l.column()) + " - "
                                            + num(l.shift()) + "))"));
                case Step.Bin b -> {
                    String x = e.get(b.column());
                    StringBuilder sum = new StringBuilder(d.dbl("0.0"));
                    for (double edge : b.edges())
                        sum.append(" + CASE WHEN ")
                                .append(x)
                                .append(" >= ")
                                .append(num(edge))
                                .append(" THEN " + d.dbl("1.0") + " ELSE " + d.dbl("0.0") + " END");
                    e.put(b.column() + "_bin", nullSafe(x, sum.toString()));
                }
                case Step.DateParts dp -> {
                    String x = "CAST(" + e.remove(dp.column()) + " AS TIMESTAMP)";
                    for (String p : dp.parts()) {
                        String f = switch (p) {
                            case "year" -> "year";
                            case "month" -> "month";
                            case "day" -> "day";
                            case "day_of_week" -> null;
                            case "hour" -> "hour";
                            default -> throw new IllegalStateException("unknown date part " + p);
                        };
                        String part = f == null ? d.isoDayOfWeek(x) : f + "(" + x + ")";
                        e.put(dp.column() + "_" + p, "CAST(" + part + " AS DOUBLE)");
                    }
                }
                case Step.Power pw ->
                    e.put(
                            pw.name(),
                            nullSafe(
                                    e.get(pw.column()),
                                    "sign(" + e.get(pw.column()) + ") * pow(abs(" + e.get(pw.column()) + "), "
                                            + num(pw.exponent()) + ")"));
                case Step.Hash h -> {
                    return Optional.empty();
                }
                case Step.Text t -> {
                    return Optional.empty();
                }
                case Step.Embedding em -> {
                    return Optional.empty();
                }
                case Step.Select sel ->
                    e.keySet()
                            .retainAll(sel.columns().stream().map(Column::name).toList());
            }
        }
        List<String> out = new ArrayList<>();
        for (Column c : output.columns()) {
            String x = e.get(c.name());
            out.add(x == null ? "NULL" : c.type() == ColumnType.NUMBER ? "CAST(" + x + " AS DOUBLE)" : x);
        }
        return Optional.of(out);
    }

    private static String nullSafe(String x, String expr) {
        return "CASE WHEN " + x + " IS NULL THEN NULL ELSE " + expr + " END";
    }

    private static String value(Object v, Dialect d) {
        return v instanceof Number n ? num(n.doubleValue()) : d.literal(String.valueOf(v));
    }

    private static String num(double d) {
        if (!Double.isFinite(d)) throw new IllegalArgumentException("non-finite fitted value " + d);
        return "CAST(" + Double.toString(d) + " AS DOUBLE)";
    }
}
