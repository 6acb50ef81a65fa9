package dev.sluice.ml.stats;

import static dev.sluice.ml.data.DuckDb.ident;
import static dev.sluice.ml.data.DuckDb.literal;

import dev.sluice.ml.data.Column;
import dev.sluice.ml.data.ColumnType;
import dev.sluice.ml.data.DuckDb;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The distribution of one column as bucket shares: numbers in buckets cut at the column's deciles, categories by
 * value (the most frequent {@value #MAX_CATEGORIES}, the rest together), missing values in a bucket of their own.
 * It is small enough to keep in the stats artifact, which is what lets a later run measure drift against this
 * run's data without the data itself.
 */
public record Histogram(String kind, List<Double> edges, List<String> categories, Map<String, Double> shares) {
    public static final int MAX_CATEGORIES = 100;
    static final String NULL = "null";
    static final String OTHER = "__other__";

    /** The histogram of {@code column} in {@code rel}: the buckets are fitted on this data. */
    public static Histogram of(DuckDb db, String rel, Column column) throws Exception {
        String q = ident(column.name());
        if (column.type() == ColumnType.NUMBER) {
            List<Double> edges = new ArrayList<>();
            try (Statement s = db.connection().createStatement();
                    ResultSet r = s.executeQuery("SELECT DISTINCT unnest(quantile_cont(" + q
                            + "::DOUBLE, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])) AS e FROM " + rel
                            + " ORDER BY e")) {
                while (r.next()) if (r.getObject(1) != null) edges.add(r.getDouble(1));
            }
            return new Histogram("numeric", edges, List.of(), Map.of()).withSharesOf(db, rel, column.name());
        }
        List<String> categories = new ArrayList<>();
        try (Statement s = db.connection().createStatement();
                ResultSet r = s.executeQuery("SELECT CAST(" + q + " AS VARCHAR) AS v FROM " + rel + " WHERE " + q
                        + " IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT " + MAX_CATEGORIES)) {
            while (r.next()) categories.add(r.getString(1));
        }
        return new Histogram("categorical", List.of(), categories, Map.of()).withSharesOf(db, rel, column.name());
    }

    private Histogram withSharesOf(DuckDb db, String rel, String column) throws Exception {
        return new Histogram(kind, edges, categories, sharesIn(db, rel, column));
    }

    /** The share of rows of {@code rel} in each of this histogram's buckets (absent buckets are left out). */
    public Map<String, Double> sharesIn(DuckDb db, String rel, String column) throws Exception {
        Map<String, Double> out = new LinkedHashMap<>();
        try (Statement s = db.connection().createStatement();
                ResultSet r = s.executeQuery("SELECT " + bucket(ident(column))
                        + " AS k, count(*)::DOUBLE / sum(count(*)) OVER () FROM " + rel + " GROUP BY 1 ORDER BY 1")) {
            while (r.next()) out.put(r.getString(1), r.getDouble(2));
        }
        return out;
    }

    public boolean numeric() {
        return kind.equals("numeric");
    }

    private String bucket(String q) {
        StringBuilder b = new StringBuilder("CASE WHEN " + q + " IS NULL THEN '" + NULL + "'");
        if (numeric()) {
            for (int i = 0; i < edges.size(); i++)
                b.append(" WHEN ")
                        .append(q)
                        .append("::DOUBLE < ")
                        .append(edges.get(i))
                        .append(" THEN 'b")
                        .append(i)
                        .append('\'');
            return b.append(" ELSE 'b").append(edges.size()).append("' END").toString();
        }
        if (categories.isEmpty()) return b.append(" ELSE '" + OTHER + "' END").toString();
        String in = String.join(", ", categories.stream().map(DuckDb::literal).toList());
        return b.append(" WHEN CAST(")
                .append(q)
                .append(" AS VARCHAR) IN (")
                .append(in)
                .append(") THEN CAST(")
                .append(q)
                .append(" AS VARCHAR) ELSE ")
                .append(literal(OTHER))
                .append(" END")
                .toString();
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", kind);
        if (numeric()) m.put("edges", edges);
        else m.put("categories", categories);
        m.put("shares", shares);
        return m;
    }

    /** Reads what {@link #toMap} wrote (after a JSON round trip); null when the map holds no histogram. */
    public static Histogram fromMap(Object o) {
        if (!(o instanceof Map<?, ?> m) || !(m.get("shares") instanceof Map<?, ?> sh)) return null;
        String kind = String.valueOf(m.get("kind"));
        List<Double> edges = new ArrayList<>();
        if (m.get("edges") instanceof List<?> l) for (Object e : l) edges.add(((Number) e).doubleValue());
        List<String> categories = new ArrayList<>();
        if (m.get("categories") instanceof List<?> l) for (Object c : l) categories.add(String.valueOf(c));
        Map<String, Double> shares = new LinkedHashMap<>();
        sh.forEach((k, v) -> shares.put(String.valueOf(k), ((Number) v).doubleValue()));
        return new Histogram(kind, edges, categories, shares);
    }
}
