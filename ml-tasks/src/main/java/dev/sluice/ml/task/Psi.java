package dev.sluice.ml.task;

import static dev.sluice.ml.data.DuckDb.ident;

import dev.sluice.ml.data.Column;
import dev.sluice.ml.data.ColumnType;
import dev.sluice.ml.data.DuckDb;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Population stability index between a reference and a current column: sum over buckets of
 * (cur - ref) * ln(cur / ref). Numeric buckets are the reference's deciles, categorical buckets its values;
 * missing values are a bucket of their own. Common reading: below 0.1 stable, above 0.25 shifted.
 */
final class Psi {
    private static final double EPS = 1e-4;

    private Psi() {}

    static double of(DuckDb db, String refRel, String curRel, Column c) throws Exception {
        String q = ident(c.name());
        String bucket;
        if (c.type() == ColumnType.NUMBER) {
            List<Double> edges = new ArrayList<>();
            try (Statement s = db.connection().createStatement(); ResultSet r = s.executeQuery(
                    "SELECT DISTINCT unnest(quantile_cont(" + q + "::DOUBLE, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])) AS e FROM " + refRel + " ORDER BY e")) {
                while (r.next()) if (r.getObject(1) != null) edges.add(r.getDouble(1));
            }
            StringBuilder b = new StringBuilder("CASE WHEN " + q + " IS NULL THEN 'null'");
            for (int i = 0; i < edges.size(); i++) b.append(" WHEN ").append(q).append(" < ").append(edges.get(i)).append(" THEN 'b").append(i).append('\'');
            bucket = b.append(" ELSE 'b").append(edges.size()).append("' END").toString();
        } else {
            bucket = "coalesce(CAST(" + q + " AS VARCHAR), 'null')";
        }
        Map<String, Double> ref = shares(db, refRel, bucket);
        Map<String, Double> cur = shares(db, curRel, bucket);
        Set<String> keys = new HashSet<>(ref.keySet());
        keys.addAll(cur.keySet());
        double psi = 0;
        for (String k : keys) {
            double a = Math.max(EPS, ref.getOrDefault(k, 0.0));
            double b = Math.max(EPS, cur.getOrDefault(k, 0.0));
            psi += (b - a) * Math.log(b / a);
        }
        return psi;
    }

    private static Map<String, Double> shares(DuckDb db, String rel, String bucket) throws Exception {
        Map<String, Double> out = new HashMap<>();
        try (Statement s = db.connection().createStatement(); ResultSet r = s.executeQuery(
                "SELECT " + bucket + " AS k, count(*)::DOUBLE / sum(count(*)) OVER () FROM " + rel + " GROUP BY 1")) {
            while (r.next()) out.put(r.getString(1), r.getDouble(2));
        }
        return out;
    }
}
