package dev.sluice.ml.task;

import static dev.sluice.ml.data.DuckDb.ident;
import static dev.sluice.ml.data.DuckDb.literal;

import dev.sluice.ml.Json;
import dev.sluice.ml.artifact.Artifact;
import dev.sluice.ml.artifact.ArtifactKind;
import dev.sluice.ml.data.Column;
import dev.sluice.ml.data.ColumnType;
import dev.sluice.ml.data.DatasetSchema;
import dev.sluice.ml.data.DuckDb;
import dev.sluice.ml.stats.Histogram;
import dev.sluice.ml.stats.Psi;
import dev.sluice.task.ConfigField;
import dev.sluice.task.FieldType;
import dev.sluice.task.TaskContext;
import dev.sluice.task.TaskFailedException;
import dev.sluice.task.TaskResult;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * ml.validate_data: checks a dataset against expectations (schema, null ratios, ranges, allowed categories, row
 * count) and for drift (population stability index per column) against a reference dataset or against the
 * statistics of the DAG's last successful run. Always stores a stats artifact, with a histogram per column that
 * later runs compare with, and a report; fails with a readable summary when any check fails.
 */
public final class ValidateDataTask extends MlTask {
    private static final List<ConfigField> FIELDS = with(List.of(
            ConfigField.optional(
                    "dataset", FieldType.STRING, null, "Dataset to check; default: the upstream output \"dataset\"."),
            ConfigField.optional(
                    "columns", FieldType.MAP, Map.of(), "Expected columns: name: number|string|boolean|timestamp."),
            ConfigField.optional(
                    "max_null_ratio",
                    FieldType.MAP,
                    Map.of(),
                    "column: highest share of missing values; \"*\" for every column."),
            ConfigField.optional("ranges", FieldType.MAP, Map.of(), "column: {min: x, max: y} for numeric columns."),
            ConfigField.optional("allowed", FieldType.MAP, Map.of(), "column: [allowed categories]."),
            ConfigField.optional("min_rows", FieldType.INTEGER, null, "Fewest rows accepted."),
            ConfigField.optional("max_rows", FieldType.INTEGER, null, "Most rows accepted."),
            ConfigField.optional(
                    "reference",
                    FieldType.STRING,
                    null,
                    "Reference dataset (e.g. the previous training data) for drift."),
            ConfigField.optional(
                    "drift_baseline",
                    FieldType.STRING,
                    null,
                    "last_success: measure drift against the statistics this task stored in the DAG's latest successful run"
                            + " at or before this run's logical date (the first run has none and passes); none: no drift check."),
            ConfigField.optional(
                    "drift_columns", FieldType.LIST, null, "Columns checked for drift; default: all shared columns."),
            ConfigField.optional(
                    "max_psi", FieldType.NUMBER, 0.2, "Highest population stability index accepted per column.")));

    @Override
    public String name() {
        return "ml.validate_data";
    }

    @Override
    public String description() {
        return "Check schema, nulls, ranges, categories, row count and drift (PSI); fail with a report.";
    }

    @Override
    public List<ConfigField> configFields() {
        return FIELDS;
    }

    @Override
    List<String> inputKeys() {
        return List.of("dataset", "reference");
    }

    @Override
    TaskResult run(TaskContext ctx) throws Exception {
        Cfg cfg = cfg(ctx);
        List<String> invalid = validate(ctx.config());
        if (!invalid.isEmpty())
            throw new TaskFailedException("invalid ml.validate_data config: " + String.join("; ", invalid));
        String ref = inputRef(ctx, cfg, "dataset", true);
        List<String> failures = new ArrayList<>();
        Map<String, Object> report = new LinkedHashMap<>();
        try (DuckDb db = duck(ctx, cfg)) {
            String rel = DuckDb.parquet(store(ctx).localPath(ref));
            DatasetSchema schema = db.schemaOf("SELECT * FROM " + rel);
            long rows = db.count(rel);
            Map<String, Object> stats = stats(db, rel, schema, rows);
            report.put("rows", rows);
            report.put("stats", stats);

            for (var e : cfg.map("columns").entrySet()) {
                var col = schema.column(e.getKey());
                ColumnType want = ColumnType.parse(String.valueOf(e.getValue()));
                if (col.isEmpty()) failures.add("schema: column " + e.getKey() + " is missing");
                else if (col.get().type() != want)
                    failures.add("schema: column " + e.getKey() + " is "
                            + col.get().type().lower() + ", expected " + want.lower());
            }
            Map<String, Object> maxNull = cfg.map("max_null_ratio");
            for (Column c : schema.columns()) {
                Object limit = maxNull.containsKey(c.name()) ? maxNull.get(c.name()) : maxNull.get("*");
                if (limit == null) continue;
                double ratio = (double) ((Map<?, ?>) stats.get(c.name())).get("null_ratio");
                if (ratio > number("max_null_ratio." + c.name(), limit)) {
                    failures.add(String.format(
                            Locale.ROOT, "nulls: %s has %.4f missing, more than %s", c.name(), ratio, limit));
                }
            }
            for (String c : maxNull.keySet())
                if (!c.equals("*") && schema.column(c).isEmpty()) failures.add("nulls: no column " + c);
            for (var e : cfg.map("ranges").entrySet()) {
                if (schema.column(e.getKey()).isEmpty()) {
                    failures.add("range: no column " + e.getKey());
                    continue;
                }
                if (!(e.getValue() instanceof Map<?, ?> r))
                    throw new TaskFailedException("ranges." + e.getKey() + " must be {min: x, max: y}");
                List<String> cond = new ArrayList<>();
                if (r.get("min") != null)
                    cond.add(ident(e.getKey()) + " < " + number("ranges." + e.getKey() + ".min", r.get("min")));
                if (r.get("max") != null)
                    cond.add(ident(e.getKey()) + " > " + number("ranges." + e.getKey() + ".max", r.get("max")));
                if (cond.isEmpty()) continue;
                long out = db.queryLong("SELECT count(*) FROM " + rel + " WHERE " + String.join(" OR ", cond));
                if (out > 0) failures.add("range: " + out + " values of " + e.getKey() + " outside " + r);
            }
            for (var e : cfg.map("allowed").entrySet()) {
                if (!(e.getValue() instanceof List<?> allowed) || allowed.isEmpty())
                    throw new TaskFailedException("allowed." + e.getKey() + " must be a non-empty list");
                if (schema.column(e.getKey()).isEmpty()) {
                    failures.add("categories: no column " + e.getKey());
                    continue;
                }
                String in = String.join(
                        ", ",
                        allowed.stream().map(o -> literal(String.valueOf(o))).toList());
                List<String> bad = new ArrayList<>();
                try (Statement s = db.connection().createStatement();
                        ResultSet r = s.executeQuery("SELECT v, n FROM (SELECT CAST(" + ident(e.getKey())
                                + " AS VARCHAR) AS v, count(*) AS n FROM " + rel
                                + " GROUP BY 1) WHERE v IS NOT NULL AND v NOT IN (" + in
                                + ") ORDER BY n DESC LIMIT 5")) {
                    while (r.next()) bad.add("\"" + r.getString(1) + "\" (" + r.getLong(2) + " rows)");
                }
                if (!bad.isEmpty())
                    failures.add("categories: " + e.getKey() + " has values not allowed: " + String.join(", ", bad));
            }
            if (cfg.has("min_rows") && rows < cfg.lng("min_rows"))
                failures.add("rows: " + rows + " rows, fewer than min_rows " + cfg.lng("min_rows"));
            if (cfg.has("max_rows") && rows > cfg.lng("max_rows"))
                failures.add("rows: " + rows + " rows, more than max_rows " + cfg.lng("max_rows"));

            Map<String, Object> psi = drift(ctx, cfg, db, rel, schema, report, failures);
            report.put("failures", failures);
            report.put("passed", failures.isEmpty());

            Path statsFile = store(ctx).newTempFile(".json");
            Json.write(statsFile, stats);
            Artifact statsArtifact = store(ctx).put(statsFile, ArtifactKind.STATS, "application/json");
            catalog(ctx).produced(ctx, "stats", statsArtifact, rows, schema.toMap(), stats);
            Path reportFile = store(ctx).newTempFile(".json");
            Json.write(reportFile, report);
            Artifact reportArtifact = store(ctx).put(reportFile, ArtifactKind.REPORT, "application/json");
            catalog(ctx).produced(ctx, "report", reportArtifact, null, null, null);
            if (!failures.isEmpty()) {
                ctx.log().println("data validation failed:\n  " + String.join("\n  ", failures));
                throw new TaskFailedException("data validation failed (" + failures.size() + " checks): "
                        + String.join("; ", failures) + " (report " + reportArtifact.ref() + ")");
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("dataset", ref);
            out.put("rows", rows);
            out.put("stats", statsArtifact.ref());
            out.put("report", reportArtifact.ref());
            if (psi != null) out.put("psi", psi);
            out.put("passed", true);
            return TaskResult.of(out);
        }
    }

    /**
     * Drift per column (PSI) against the baseline: a reference dataset, or the statistics this task stored in the
     * DAG's last successful run. Returns the PSI per column, or null when there is nothing to compare with.
     */
    private Map<String, Object> drift(
            TaskContext ctx,
            Cfg cfg,
            DuckDb db,
            String rel,
            DatasetSchema schema,
            Map<String, Object> report,
            List<String> failures)
            throws Exception {
        String mode = baselineMode(cfg);
        if (mode.equals("none")) return null;
        Map<String, Object> baseline = new LinkedHashMap<>();
        Map<String, Histogram> histograms = new LinkedHashMap<>();
        if (mode.equals("reference")) {
            String refRef = inputRef(ctx, cfg, "reference", true);
            String refRel = DuckDb.parquet(store(ctx).localPath(refRef));
            for (Column c : db.schemaOf("SELECT * FROM " + refRel).columns())
                histograms.put(c.name(), Histogram.of(db, refRel, c));
            baseline.put("kind", "reference");
            baseline.put("dataset", refRef);
            report.put("reference", refRef);
        } else {
            var past = catalog(ctx).lastSuccessfulRun(ctx, "stats");
            if (past.isEmpty()) {
                ctx.log()
                        .println("drift: no earlier successful run of " + ctx.dagId()
                                + " recorded statistics; nothing to compare with yet");
                report.put("baseline", null);
                return null;
            }
            past.get().stats().forEach((col, s) -> {
                Histogram h = s instanceof Map<?, ?> m ? Histogram.fromMap(m.get("histogram")) : null;
                if (h != null) histograms.put(col, h);
            });
            baseline.put("kind", "last_success");
            baseline.put("run_id", past.get().runId());
            baseline.put("logical_date", past.get().logicalDate().toString());
            baseline.put("stats", past.get().ref());
            ctx.log()
                    .printf(
                            "drift: comparing with run %s (logical date %s, stats %s)%n",
                            past.get().runId(),
                            past.get().logicalDate(),
                            past.get().ref());
        }
        report.put("baseline", baseline);
        List<String> cols = cfg.has("drift_columns")
                ? cfg.strings("drift_columns")
                : schema.names().stream().filter(histograms::containsKey).toList();
        Map<String, Object> psi = new LinkedHashMap<>();
        double max = cfg.dbl("max_psi");
        for (String c : cols) {
            var col = schema.column(c);
            Histogram h = histograms.get(c);
            if (col.isEmpty() || h == null) {
                failures.add("drift: column " + c + " is not in both the data and the baseline");
                continue;
            }
            if (h.numeric() != (col.get().type() == ColumnType.NUMBER)) {
                failures.add("drift: column " + c + " is " + col.get().type().lower() + " now but was "
                        + (h.numeric() ? "numeric" : "categorical") + " in the baseline");
                continue;
            }
            double v = Psi.of(h, db, rel, c);
            psi.put(c, v);
            if (v > max) failures.add(String.format(Locale.ROOT, "drift: PSI of %s is %.4f, above %.4f", c, v, max));
        }
        report.put("psi", psi);
        ctx.log().println("drift (PSI): " + psi);
        return psi;
    }

    private static String baselineMode(Cfg cfg) {
        if (cfg.has("reference")) return "reference";
        return cfg.str("drift_baseline", "none");
    }

    @Override
    String notCacheable(Map<String, Object> config) {
        return "last_success".equals(String.valueOf(config.get("drift_baseline")))
                ? "drift_baseline: last_success compares with whichever run succeeded last, so the result depends on more than the inputs"
                : null;
    }

    @Override
    public List<String> validate(Map<String, Object> config) {
        List<String> errors = new ArrayList<>(cacheErrors(config));
        Object mode = config.get("drift_baseline");
        if (mode != null && !List.of("none", "last_success").contains(String.valueOf(mode))) {
            errors.add("drift_baseline must be none or last_success, got \"" + mode + "\"");
        }
        if (config.get("reference") != null && mode != null && !"none".equals(String.valueOf(mode))) {
            errors.add("set either reference (a dataset) or drift_baseline: last_success, not both");
        }
        return errors;
    }

    /** A number from config; templates render to text, so "0.1" is accepted too. */
    private static double number(String key, Object v) throws TaskFailedException {
        if (v instanceof Number n) return n.doubleValue();
        try {
            return Double.parseDouble(String.valueOf(v));
        } catch (NumberFormatException e) {
            throw new TaskFailedException(key + " must be a number, got \"" + v + "\"");
        }
    }

    /** Per column: null ratio and distinct count; min, max, mean, sd for numbers. One DuckDB scan. */
    private static Map<String, Object> stats(DuckDb db, String rel, DatasetSchema schema, long rows) throws Exception {
        List<String> agg = new ArrayList<>();
        for (Column c : schema.columns()) {
            String q = ident(c.name());
            agg.add("count(" + q + ")");
            agg.add("approx_count_distinct(" + q + ")");
            if (c.type() == ColumnType.NUMBER)
                agg.add("min(" + q + ")::DOUBLE, max(" + q + ")::DOUBLE, avg(" + q + ")::DOUBLE, stddev_pop(" + q
                        + ")::DOUBLE");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        try (Statement s = db.connection().createStatement();
                ResultSet r = s.executeQuery("SELECT " + String.join(", ", agg) + " FROM " + rel)) {
            r.next();
            int i = 1;
            for (Column c : schema.columns()) {
                Map<String, Object> m = new HashMap<>();
                long nonNull = r.getLong(i++);
                m.put("type", c.type().lower());
                m.put("null_ratio", rows == 0 ? 0.0 : (double) (rows - nonNull) / rows);
                m.put("distinct", r.getLong(i++));
                if (c.type() == ColumnType.NUMBER) {
                    for (String k : List.of("min", "max", "mean", "sd")) {
                        Object v = r.getObject(i++);
                        m.put(k, v);
                    }
                }
                out.put(c.name(), m);
            }
        }
        // Kept with the stats so that a later run can measure drift against this data without reading it again.
        for (Column c : schema.columns()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) out.get(c.name());
            m.put("histogram", Histogram.of(db, rel, c).toMap());
        }
        return out;
    }
}
