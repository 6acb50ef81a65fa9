package dev.sluice.ml.transform;

import static dev.sluice.ml.data.DuckDb.ident;

import dev.sluice.ml.data.Column;
import dev.sluice.ml.data.DatasetSchema;
import dev.sluice.ml.data.DuckDb;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Learns preprocessing parameters from the TRAINING relation only, with DuckDB aggregates (one scan per pass):
 * pass 1 imputation values and outlier bounds on raw values, pass 2 scaling statistics on imputed and clipped
 * values, so the scaler sees the same values it will later transform.
 */
public final class PreprocessFitter {
    private final DuckDb db;

    public PreprocessFitter(DuckDb db) {
        this.db = db;
    }

    public FittedTransform fit(String trainRelation, DatasetSchema trainSchema, PreprocessSpec spec, String fittedOn)
            throws SQLException {
        long rows = db.count(trainRelation);
        if (rows == 0) throw new IllegalArgumentException("the training split is empty: nothing to fit on");
        List<Step> steps = new ArrayList<>();
        Map<String, Object> fill = new HashMap<>();
        Map<String, double[]> bounds = new HashMap<>();

        // Pass 1: imputation values and clip bounds.
        List<String> agg = new ArrayList<>();
        for (String c : spec.numeric()) {
            String q = ident(c);
            switch (spec.numericImpute()) {
                case "mean" -> agg.add("avg(" + q + ")");
                case "median" -> agg.add("median(" + q + ")");
                case "most_frequent" -> agg.add("mode(" + q + ")");
                default -> agg.add("NULL");
            }
            switch (spec.outliers()) {
                case "quantile" -> {
                    agg.add("quantile_cont(" + q + ", " + spec.lowerQuantile() + ")");
                    agg.add("quantile_cont(" + q + ", " + spec.upperQuantile() + ")");
                }
                case "iqr" -> {
                    agg.add("quantile_cont(" + q + ", 0.25) - " + spec.iqrFactor() + " * (quantile_cont(" + q
                            + ", 0.75) - quantile_cont(" + q + ", 0.25))");
                    agg.add("quantile_cont(" + q + ", 0.75) + " + spec.iqrFactor() + " * (quantile_cont(" + q
                            + ", 0.75) - quantile_cont(" + q + ", 0.25))");
                }
                case "zscore" -> {
                    // Clipping at mean ± k·sd of the training rows, rather than dropping rows: serving cannot drop a
                    // request.
                    agg.add("avg(" + q + ") - " + spec.zThreshold() + " * stddev_pop(" + q + ")");
                    agg.add("avg(" + q + ") + " + spec.zThreshold() + " * stddev_pop(" + q + ")");
                }
                default -> {
                    agg.add("NULL");
                    agg.add("NULL");
                }
            }
        }
        for (String c : spec.categorical()) {
            agg.add("most_frequent".equals(spec.categoricalImpute()) ? "mode(" + ident(c) + ")" : "NULL");
        }
        for (String c : spec.booleans()) {
            // Counted rather than mode(): a tie must not depend on the order DuckDB meets the rows.
            agg.add("count_if(" + ident(c) + ")");
            agg.add("count(" + ident(c) + ")");
        }
        if (!agg.isEmpty()) {
            List<Object> r = row("SELECT " + String.join(", ", agg) + " FROM " + trainRelation);
            int i = 0;
            for (String c : spec.numeric()) {
                Object imp = r.get(i++);
                if ("constant".equals(spec.numericImpute())) imp = ((Number) spec.numericFill()).doubleValue();
                if (!"none".equals(spec.numericImpute())) {
                    if (imp == null)
                        throw new IllegalArgumentException(
                                "column " + c + " has no values in the training split to impute from");
                    fill.put(c, ((Number) imp).doubleValue());
                }
                Object lo = r.get(i++);
                Object hi = r.get(i++);
                if (lo != null && hi != null)
                    bounds.put(c, new double[] {((Number) lo).doubleValue(), ((Number) hi).doubleValue()});
            }
            for (String c : spec.categorical()) {
                Object imp = r.get(i++);
                if ("constant".equals(spec.categoricalImpute())) imp = spec.categoricalFill();
                if (imp != null && !"none".equals(spec.categoricalImpute())) fill.put(c, imp.toString());
            }
            for (String c : spec.booleans()) {
                long trues = ((Number) r.get(i++)).longValue();
                long values = ((Number) r.get(i++)).longValue();
                if ("most_frequent".equals(spec.booleanImpute())) {
                    if (values == 0)
                        throw new IllegalArgumentException(
                                "boolean column " + c + " has no values in the training split to impute from");
                    // The most frequent value; a tie goes to false.
                    fill.put(c, trues > values - trues ? 1.0 : 0.0);
                }
            }
        }

        // Pass 2: scaling statistics on imputed, clipped values.
        Map<String, double[]> scale = new HashMap<>();
        if (!"none".equals(spec.scaling()) && !spec.numeric().isEmpty()) {
            List<String> sagg = new ArrayList<>();
            for (String c : spec.numeric()) {
                String e = valueExpr(c, fill.get(c), bounds.get(c));
                switch (spec.scaling()) {
                    case "standard" -> sagg.add("avg(" + e + "), stddev_pop(" + e + ")");
                    case "minmax" -> sagg.add("min(" + e + "), max(" + e + ") - min(" + e + ")");
                    case "robust" ->
                        sagg.add("median(" + e + "), quantile_cont(" + e + ", 0.75) - quantile_cont(" + e + ", 0.25)");
                    default -> throw new IllegalArgumentException("unknown scaling " + spec.scaling());
                }
            }
            List<Object> r = row("SELECT " + String.join(", ", sagg) + " FROM " + trainRelation);
            int i = 0;
            for (String c : spec.numeric()) {
                Number center = (Number) r.get(i++);
                Number s = (Number) r.get(i++);
                double sc = s == null || s.doubleValue() == 0 || Double.isNaN(s.doubleValue()) ? 1.0 : s.doubleValue();
                scale.put(c, new double[] {center == null ? 0 : center.doubleValue(), sc});
            }
        }

        for (String c : spec.numeric()) {
            if (fill.containsKey(c)) steps.add(new Step.Impute(c, fill.get(c)));
            if (bounds.containsKey(c)) steps.add(new Step.Clip(c, bounds.get(c)[0], bounds.get(c)[1]));
            if (scale.containsKey(c)) steps.add(new Step.Scale(c, scale.get(c)[0], scale.get(c)[1]));
        }
        for (String c : spec.booleans()) steps.add(new Step.BooleanFlag(c, (Double) fill.get(c)));
        List<DroppedColumn> dropped = new ArrayList<>();
        for (String c : spec.categorical()) {
            List<String> cats = categories(trainRelation, c, (String) fill.get(c), spec);
            if (cats.isEmpty()) {
                // Encoding nothing would leave the column in the input schema with no feature from it: say so instead.
                dropped.add(new DroppedColumn(
                        c,
                        "string",
                        "no category is kept from the training split (every value is missing,"
                                + " or none occurs min_frequency = " + spec.minFrequency() + " times)"));
                continue;
            }
            if (fill.containsKey(c)) steps.add(new Step.Impute(c, fill.get(c)));
            steps.add(
                    "ordinal".equals(spec.encoding())
                            ? new Step.Ordinal(c, cats)
                            : new Step.OneHot(c, cats, spec.failOnUnseen()));
        }
        List<String> droppedNames = dropped.stream().map(DroppedColumn::column).toList();
        List<Column> input = new ArrayList<>();
        for (String c : concat(spec.numeric(), spec.categorical(), spec.booleans(), spec.passthrough())) {
            if (droppedNames.contains(c)) continue;
            input.add(trainSchema
                    .column(c)
                    .orElseThrow(() -> new IllegalArgumentException("no column " + c + " in the training split")));
        }
        return FittedTransform.of(new DatasetSchema(input), steps, fittedOn, rows)
                .withDropped(dropped);
    }

    /** Training categories, most frequent first, rare ones (below min_frequency, beyond max_categories) dropped. */
    private List<String> categories(String rel, String c, String fill, PreprocessSpec spec) throws SQLException {
        String e = fill == null ? ident(c) : "coalesce(" + ident(c) + ", " + DuckDb.literal(fill) + ")";
        String sql = "SELECT v FROM (SELECT CAST(" + e + " AS VARCHAR) AS v, count(*) AS n FROM " + rel
                + " GROUP BY 1) WHERE v IS NOT NULL AND n >= " + spec.minFrequency()
                + " ORDER BY n DESC, v LIMIT " + spec.maxCategories();
        List<String> out = new ArrayList<>();
        try (Statement s = db.connection().createStatement();
                ResultSet r = s.executeQuery(sql)) {
            while (r.next()) out.add(r.getString(1));
        }
        return out;
    }

    private static String valueExpr(String c, Object fill, double[] bounds) {
        String e = "CAST(" + ident(c) + " AS DOUBLE)";
        if (fill != null) e = "coalesce(" + e + ", " + fill + ")";
        if (bounds != null) e = "least(greatest(" + e + ", " + bounds[0] + "), " + bounds[1] + ")";
        return e;
    }

    private List<Object> row(String sql) throws SQLException {
        try (Statement s = db.connection().createStatement();
                ResultSet r = s.executeQuery(sql)) {
            r.next();
            List<Object> out = new ArrayList<>();
            for (int i = 1; i <= r.getMetaData().getColumnCount(); i++) out.add(r.getObject(i));
            return out;
        }
    }

    @SafeVarargs
    private static List<String> concat(List<String>... lists) {
        List<String> out = new ArrayList<>();
        for (List<String> l : lists) out.addAll(l);
        return out;
    }
}
