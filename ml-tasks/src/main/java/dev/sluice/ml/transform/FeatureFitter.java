package dev.sluice.ml.transform;

import static dev.sluice.ml.data.DuckDb.ident;

import dev.sluice.ml.data.DuckDb;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** Fits feature steps (log shifts, bin edges, text IDF) on the training relation only, after preprocessing. */
public final class FeatureFitter {
    private final DuckDb db;

    public FeatureFitter(DuckDb db) {
        this.db = db;
    }

    public List<Step> fit(String trainRelation, FeatureSpec spec) throws SQLException {
        List<Step> steps = new ArrayList<>();
        for (List<String> pair : spec.interactions()) {
            if (pair.size() != 2) throw new IllegalArgumentException("an interaction names two columns, got " + pair);
            steps.add(new Step.Interaction(pair.get(0), pair.get(1)));
        }
        for (String c : spec.log()) {
            steps.add(new Step.Log(c, scalar("SELECT min(CAST(" + ident(c) + " AS DOUBLE)) FROM " + trainRelation)));
        }
        for (Map.Entry<String, Integer> b : spec.bins().entrySet()) {
            int n = b.getValue();
            if (n < 2) throw new IllegalArgumentException("bins." + b.getKey() + " must be at least 2");
            List<String> qs = new ArrayList<>();
            for (int i = 1; i < n; i++) qs.add(String.valueOf((double) i / n));
            String sql = "SELECT unnest(quantile_cont(CAST(" + ident(b.getKey()) + " AS DOUBLE), ["
                    + String.join(", ", qs) + "])) FROM " + trainRelation;
            TreeSet<Double> edges = new TreeSet<>(); // distinct: heavy ties collapse bins instead of making empty ones
            try (Statement s = db.connection().createStatement();
                    ResultSet r = s.executeQuery(sql)) {
                while (r.next()) edges.add(r.getDouble(1));
            }
            steps.add(new Step.Bin(b.getKey(), List.copyOf(edges)));
        }
        spec.dateParts().forEach((c, parts) -> steps.add(new Step.DateParts(c, parts)));
        spec.power().forEach((c, p) -> steps.add(new Step.Power(c, p)));
        spec.hash().forEach((c, buckets) -> steps.add(new Step.Hash(c, buckets)));
        for (var t : spec.text().entrySet()) steps.add(text(trainRelation, t.getKey(), t.getValue()));
        return steps;
    }

    /** Fits the inverse document frequency of each hashed n-gram bucket on the training rows (smoothed, as sklearn). */
    private Step.Text text(String trainRelation, String column, FeatureSpec.TextSpec t) throws SQLException {
        if (t.buckets() < 1 || t.minN() < 1 || t.maxN() < t.minN()) {
            throw new IllegalArgumentException(
                    "text." + column + ": buckets must be at least 1 and ngrams [min, max] with 1 <= min <= max");
        }
        if (!t.tfidf()) return new Step.Text(column, t.buckets(), t.minN(), t.maxN(), List.of());
        long[] df = new long[t.buckets()];
        long docs = 0;
        try (Statement s = db.connection().createStatement();
                ResultSet r = s.executeQuery("SELECT CAST(" + ident(column) + " AS VARCHAR) FROM " + trainRelation)) {
            while (r.next()) {
                String v = r.getString(1);
                double[] x = Step.Text.counts(v == null ? "" : v, t.buckets(), t.minN(), t.maxN());
                for (int i = 0; i < x.length; i++) if (x[i] > 0) df[i]++;
                docs++;
            }
        }
        List<Double> idf = new ArrayList<>(t.buckets());
        for (long d : df) idf.add(Math.log((1.0 + docs) / (1.0 + d)) + 1.0);
        return new Step.Text(column, t.buckets(), t.minN(), t.maxN(), idf);
    }

    private double scalar(String sql) throws SQLException {
        try (Statement s = db.connection().createStatement();
                ResultSet r = s.executeQuery(sql)) {
            r.next();
            double v = r.getDouble(1);
            if (r.wasNull()) throw new IllegalArgumentException("no values to fit on: " + sql);
            return v;
        }
    }
}
