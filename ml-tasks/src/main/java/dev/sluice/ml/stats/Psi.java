package dev.sluice.ml.stats;

import dev.sluice.ml.data.DuckDb;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Population stability index of a column against a baseline histogram: sum over the baseline's buckets of
 * (cur - base) * ln(cur / base), the current data bucketed exactly as the baseline was. Common reading: below 0.1
 * stable, above 0.25 shifted.
 */
public final class Psi {
    private static final double EPS = 1e-4;

    private Psi() {}

    public static double of(Histogram baseline, DuckDb db, String curRel, String column) throws Exception {
        return between(baseline.shares(), baseline.sharesIn(db, curRel, column));
    }

    public static double between(Map<String, Double> base, Map<String, Double> cur) {
        Set<String> keys = new HashSet<>(base.keySet());
        keys.addAll(cur.keySet());
        double psi = 0;
        for (String k : keys) {
            double a = Math.max(EPS, base.getOrDefault(k, 0.0));
            double b = Math.max(EPS, cur.getOrDefault(k, 0.0));
            psi += (b - a) * Math.log(b / a);
        }
        return psi;
    }
}
