package dev.sluice.ml.task;

import dev.sluice.ml.Json;
import dev.sluice.ml.artifact.Artifact;
import dev.sluice.ml.artifact.ArtifactKind;
import dev.sluice.ml.data.DuckDb;
import dev.sluice.ml.data.Rows;
import dev.sluice.ml.model.Label;
import dev.sluice.ml.model.LoadedModel;
import dev.sluice.ml.model.Metrics;
import dev.sluice.ml.model.Problem;
import dev.sluice.ml.model.RegisteredModels;
import dev.sluice.ml.tracking.ExperimentLog;
import dev.sluice.ml.transform.SqlPlan;
import dev.sluice.task.ConfigField;
import dev.sluice.task.FieldType;
import dev.sluice.task.TaskContext;
import dev.sluice.task.TaskFailedException;
import dev.sluice.task.TaskResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * ml.evaluate: scores a model bundle on RAW test rows through its own stored transform (the serving path), computes
 * metrics, and applies the gate: absolute thresholds, and "at least as good as the deployed champion on the same
 * rows". A failed gate throws with a report artifact, so a downstream ml.deploy never runs.
 */
public final class EvaluateTask extends MlTask {
    private static final List<ConfigField> FIELDS = with(List.of(
            ConfigField.optional(
                    "bundle", FieldType.STRING, null, "Model bundle to evaluate; default: upstream \"bundle\"."),
            ConfigField.optional(
                    "dataset",
                    FieldType.STRING,
                    null,
                    "RAW test rows (before preprocessing), e.g. {{ tasks.split.output.test }}; default: upstream \"test\"."),
            ConfigField.optional(
                    "threshold",
                    FieldType.NUMBER,
                    0.5,
                    "Probability above which a row is predicted positive (classification); multiclass predicts the most probable class."),
            ConfigField.optional(
                    "min", FieldType.MAP, Map.of(), "Gate: metric: lowest acceptable value, e.g. {roc_auc: 0.85}."),
            ConfigField.optional(
                    "max", FieldType.MAP, Map.of(), "Gate: metric: highest acceptable value, e.g. {log_loss: 0.4}."),
            ConfigField.optional(
                    "model_name",
                    FieldType.STRING,
                    null,
                    "Registered model whose champion the candidate must match or beat on the same rows."),
            ConfigField.optional(
                    "champion_metric",
                    FieldType.STRING,
                    null,
                    "Metric compared with the champion; default roc_auc (classification), roc_auc_ovr (multiclass) or rmse."),
            ConfigField.optional(
                    "champion_tolerance",
                    FieldType.NUMBER,
                    0.0,
                    "How much worse than the champion is still accepted.")));

    @Override
    public String name() {
        return "ml.evaluate";
    }

    @Override
    public String description() {
        return "Compute test metrics and gate the model on thresholds and on the deployed champion.";
    }

    @Override
    public List<ConfigField> configFields() {
        return FIELDS;
    }

    @Override
    public List<String> validate(Map<String, Object> config) {
        return cacheErrors(config);
    }

    @Override
    String notCacheable(Map<String, Object> config) {
        return "ml.evaluate compares with the deployed champion, which changes between runs; it always runs";
    }

    @Override
    TaskResult run(TaskContext ctx) throws Exception {
        Cfg cfg = cfg(ctx);
        String bundleRef = inputRef(ctx, cfg, "bundle", true);
        String datasetRef = inputRef(ctx, cfg, "dataset", false);
        if (datasetRef == null) datasetRef = inputRef(ctx, cfg, "test", true);
        // An ONNX model holds a native session: both models are closed however the evaluation ends.
        try (LoadedModel candidate = LoadedModel.load(store(ctx), bundleRef);
                Champion champion = new Champion()) {
            return evaluate(ctx, cfg, bundleRef, datasetRef, candidate, champion);
        }
    }

    /** The champion's model once it is loaded, closed with the candidate. */
    private static final class Champion implements AutoCloseable {
        LoadedModel model;

        @Override
        public void close() {
            if (model != null) model.close();
        }
    }

    private TaskResult evaluate(
            TaskContext ctx, Cfg cfg, String bundleRef, String datasetRef, LoadedModel candidate, Champion loaded)
            throws Exception {
        Problem problem = candidate.bundle().problem();
        double threshold = cfg.dbl("threshold");
        if (candidate.bundle().label().column() == null) {
            throw new TaskFailedException("the bundle " + bundleRef + " names no label column to evaluate against:"
                    + " pass label= (the column of the data that holds the answer) to sluice.save_model");
        }

        // The champion is resolved first so both models score the very same rows in one streaming pass.
        LoadedModel champion = null;
        RegisteredModels.Version championVersion = null;
        if (cfg.has("model_name")) {
            Optional<RegisteredModels> registry = ctx.service(RegisteredModels.class);
            if (registry.isEmpty())
                throw new TaskFailedException(
                        "model_name is set but the model registry (application database) is not available");
            championVersion = registry.get()
                    .byAlias(cfg.str("model_name"), RegisteredModels.CHAMPION)
                    .orElse(null);
            if (championVersion != null) {
                champion = LoadedModel.load(store(ctx), championVersion.bundleRef());
                loaded.model = champion;
                requireComparable(candidate, champion, cfg.str("model_name"), championVersion.version());
            }
        }
        Scores scores;
        try (DuckDb db = duck(ctx, cfg)) {
            scores = Scores.of(db, DuckDb.parquet(store(ctx).localPath(datasetRef)), candidate, champion);
        } catch (IllegalArgumentException e) {
            throw new TaskFailedException(e.getMessage());
        }
        Map<String, Object> metrics = metrics(candidate, scores.labels(), scores.candidate(), threshold);

        List<Map<String, Object>> checks = new ArrayList<>();
        for (var e : cfg.map("min").entrySet()) checks.add(check(metrics, e.getKey(), e.getValue(), true));
        for (var e : cfg.map("max").entrySet()) checks.add(check(metrics, e.getKey(), e.getValue(), false));

        Map<String, Object> championInfo = null;
        if (cfg.has("model_name")) {
            String metric = cfg.str("champion_metric", problem.championMetric());
            if (champion != null) {
                Map<String, Object> cm = metrics(champion, scores.labels(), scores.champion(), threshold);
                double a = number(metrics, metric);
                double b = number(cm, metric);
                boolean ok = Metrics.atLeastAsGood(metric, a, b, cfg.dbl("champion_tolerance"));
                championInfo = new LinkedHashMap<>();
                championInfo.put("version", championVersion.version());
                championInfo.put("metric", metric);
                championInfo.put("candidate", a);
                championInfo.put("champion", b);
                championInfo.put("passed", ok);
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("check", "champion");
                c.put("metric", metric);
                c.put("value", a);
                c.put("limit", b);
                c.put("passed", ok);
                checks.add(c);
            } else {
                championInfo = Map.of(
                        "version", "none", "note", "no champion yet: the candidate is compared with thresholds only");
            }
        }
        boolean passed = checks.stream().allMatch(c -> Boolean.TRUE.equals(c.get("passed")));
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("bundle", bundleRef);
        report.put("dataset", datasetRef);
        report.put("metrics", metrics);
        report.put("checks", checks);
        if (championInfo != null) report.put("champion", championInfo);
        report.put("passed", passed);
        Path tmp = store(ctx).newTempFile(".json");
        Json.write(tmp, report);
        Artifact reportArtifact = store(ctx).put(tmp, ArtifactKind.REPORT, "application/json");
        catalog(ctx).produced(ctx, "report", reportArtifact, null, null, metrics);
        ExperimentLog.record(ctx, "evaluate", Map.of("bundle", bundleRef, "dataset", datasetRef), metrics);
        ctx.log().println("evaluation report: " + Json.write(report));
        if (!passed) {
            List<String> failed = checks.stream()
                    .filter(c -> !Boolean.TRUE.equals(c.get("passed")))
                    .map(c -> c.get("check") + " " + c.get("metric") + " = " + fmt(c.get("value")) + " vs "
                            + fmt(c.get("limit")))
                    .toList();
            throw new TaskFailedException(
                    "evaluation gate failed: " + String.join("; ", failed) + " (report " + reportArtifact.ref() + ")");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("bundle", bundleRef);
        out.put("metrics", metrics);
        out.put("report", reportArtifact.ref());
        out.put("passed", true);
        return TaskResult.of(out);
    }

    private static Map<String, Object> metrics(LoadedModel model, float[] y, double[] p, double threshold) {
        return switch (model.bundle().problem()) {
            case CLASSIFICATION ->
                Metrics.classification(
                        y,
                        p,
                        threshold,
                        model.bundle().label().positiveClass(),
                        model.bundle().label().negativeClass());
            case MULTICLASS -> Metrics.multiclass(y, model.classProbabilities(p));
            case REGRESSION -> Metrics.regression(y, p);
        };
    }

    /**
     * The champion scores the rows with the candidate's label encoding, so both must mean the same by a label:
     * same problem, for binary the same positive (and, where both know it, negative) class, and for multiclass the
     * same classes in the same order. A champion predicting other classes
     * cannot be compared metric for metric; deciding whether the new classes are right is a person's call.
     */
    static void requireComparable(LoadedModel candidate, LoadedModel champion, String modelName, int championVersion)
            throws TaskFailedException {
        Problem a = candidate.bundle().problem();
        Problem b = champion.bundle().problem();
        String which = "the champion of " + modelName + " (version " + championVersion + ")";
        if (a != b) {
            throw new TaskFailedException(
                    which + " is a " + b.lower() + " model and the candidate a " + a.lower()
                            + " model: their metrics are not comparable; use another model_name, or leave it out to gate on thresholds only");
        }
        Label ca = candidate.bundle().label();
        Label ch = champion.bundle().label();
        // The champion is scored with the candidate's encoding, so "positive" must be the same value to both.
        if (a == Problem.CLASSIFICATION
                && (!samePositive(ca, ch)
                        || ca.negativeClass() != null
                                && ch.negativeClass() != null
                                && !ca.negativeClass().equals(ch.negativeClass()))) {
            throw new TaskFailedException(
                    which + " has positive class \"" + ch.positiveName() + "\""
                            + (ch.negativeClass() == null ? "" : " and negative class \"" + ch.negativeClass() + "\"")
                            + ", the candidate \"" + ca.positiveName() + "\""
                            + (ca.negativeClass() == null ? "" : " and \"" + ca.negativeClass() + "\"")
                            + ": their metrics are not comparable; leave model_name out for this run to gate on thresholds only, then deploy");
        }
        if (a == Problem.MULTICLASS
                && !candidate
                        .bundle()
                        .label()
                        .classes()
                        .equals(champion.bundle().label().classes())) {
            throw new TaskFailedException(
                    which + " predicts classes " + champion.bundle().label().classes() + " and the candidate "
                            + candidate.bundle().label().classes()
                            + ": their metrics are not comparable; leave model_name out for this run"
                            + " to gate on thresholds only, then deploy");
        }
    }

    /** A label without positive_class from the first bundle format meant "true or 1": whichever the data had. */
    private static boolean samePositive(Label a, Label b) {
        if (a.positiveClass() == null && b.positiveClass() == null) return true;
        if (a.positiveClass() == null || b.positiveClass() == null) {
            String known = a.positiveClass() == null ? b.positiveClass() : a.positiveClass();
            return known.equals("true") || known.equals("1");
        }
        if (a.positiveClass().equals(b.positiveClass())) return true;
        try {
            // A first-format positive_class is as configured: "1.0" is the class "1".
            return Double.parseDouble(a.positiveClass()) == Double.parseDouble(b.positiveClass());
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** Labels and scores of one streaming pass over the raw rows, in batches, so memory stays bounded. */
    record Scores(float[] labels, double[] candidate, double[] champion) {
        private static final int BATCH = 8192;

        static Scores of(DuckDb db, String relation, LoadedModel candidate, LoadedModel champion) throws Exception {
            Optional<Scores> sql = viaSql(db, relation, candidate, champion);
            return sql.isPresent() ? sql.get() : viaJava(db, relation, candidate, champion);
        }

        /**
         * The fast path: both transforms compiled to one DuckDB query (SqlPlan, the form that transformed the
         * training data) streaming straight into float batches, no map per row. SqlPlanTest holds every step's
         * SQL form to its Java form, which serving uses, so the gate judges the numbers callers will get.
         */
        static Optional<Scores> viaSql(DuckDb db, String relation, LoadedModel candidate, LoadedModel champion)
                throws Exception {
            List<String> a = featureExpressions(candidate);
            List<String> b = champion == null ? List.of() : featureExpressions(champion);
            if (a == null || b == null) return Optional.empty();
            Label label = candidate.bundle().label();
            StringBuilder sql = new StringBuilder("SELECT ").append(DuckDb.ident(label.column()));
            for (String e : a) sql.append(", ").append(e);
            for (String e : b) sql.append(", ").append(e);
            sql.append(" FROM ").append(relation);
            FloatList y = new FloatList();
            DoubleList pa = new DoubleList();
            DoubleList pb = new DoubleList();
            float[] xa = new float[BATCH * a.size()];
            float[] xb = new float[BATCH * b.size()];
            int n = 0;
            try (java.sql.Statement st = db.connection().createStatement();
                    java.sql.ResultSet r = st.executeQuery(sql.toString())) {
                while (r.next()) {
                    float yv = label.encode(Rows.normalise(r.getObject(1)));
                    if (Float.isNaN(yv)) continue; // unlabeled rows cannot be scored against anything
                    y.add(yv);
                    for (int c = 0; c < a.size(); c++) xa[n * a.size() + c] = floatAt(r, 2 + c);
                    for (int c = 0; c < b.size(); c++) xb[n * b.size() + c] = floatAt(r, 2 + a.size() + c);
                    if (++n == BATCH) {
                        pa.addAll(candidate.predictor().predict(xa, n, a.size()));
                        if (champion != null) pb.addAll(champion.predictor().predict(xb, n, b.size()));
                        n = 0;
                    }
                }
            } catch (java.sql.SQLException e) {
                throw new TaskFailedException("cannot transform the evaluation rows: " + e.getMessage());
            }
            if (n > 0) {
                pa.addAll(candidate.predictor().predict(java.util.Arrays.copyOf(xa, n * a.size()), n, a.size()));
                if (champion != null)
                    pb.addAll(champion.predictor().predict(java.util.Arrays.copyOf(xb, n * b.size()), n, b.size()));
            }
            return Optional.of(new Scores(y.toArray(), pa.toArray(), champion == null ? null : pb.toArray()));
        }

        private static float floatAt(java.sql.ResultSet r, int column) throws java.sql.SQLException {
            double v = r.getDouble(column);
            return r.wasNull() ? Float.NaN : (float) v;
        }

        /** The SQL expression of each feature the model expects, in its order; null without a SQL form. */
        private static List<String> featureExpressions(LoadedModel m) {
            var t = m.transform();
            if (t == null) return null; // an ONNX graph takes the raw rows: nothing to compile
            var exprs = SqlPlan.expressions(t.input(), t.steps(), t.output());
            if (exprs.isEmpty()) return null;
            Map<String, String> byName = new java.util.HashMap<>();
            for (int i = 0; i < t.output().columns().size(); i++)
                byName.put(t.output().columns().get(i).name(), exprs.get().get(i));
            List<String> out = new ArrayList<>();
            for (String f : m.bundle().features()) {
                String e = byName.get(f);
                if (e == null) return null;
                out.add(e);
            }
            return out;
        }

        /** Row by row through the Java transform, for transforms with steps that have no SQL form (hashing, text). */
        static Scores viaJava(DuckDb db, String relation, LoadedModel candidate, LoadedModel champion)
                throws Exception {
            String labelColumn = candidate.bundle().label().column();
            FloatList y = new FloatList();
            DoubleList a = new DoubleList();
            DoubleList b = new DoubleList();
            List<Map<String, Object>> batch = new ArrayList<>(BATCH);
            Rows.RowConsumer flush = ignored -> {
                a.addAll(candidate.score(batch));
                if (champion != null) b.addAll(champion.score(batch));
                batch.clear();
            };
            Rows.forEach(db, relation, r -> {
                float label = candidate.bundle().label().encode(r.get(labelColumn));
                if (Float.isNaN(label)) return; // unlabeled rows cannot be scored against anything
                y.add(label);
                batch.add(r);
                if (batch.size() == BATCH) flush.accept(null);
            });
            if (!batch.isEmpty()) flush.accept(null);
            return new Scores(y.toArray(), a.toArray(), champion == null ? null : b.toArray());
        }
    }

    private static final class FloatList {
        private float[] v = new float[1024];
        private int n;

        void add(float x) {
            if (n == v.length) v = java.util.Arrays.copyOf(v, n * 2);
            v[n++] = x;
        }

        float[] toArray() {
            return java.util.Arrays.copyOf(v, n);
        }
    }

    private static final class DoubleList {
        private double[] v = new double[1024];
        private int n;

        void addAll(double[] xs) {
            if (n + xs.length > v.length) v = java.util.Arrays.copyOf(v, Math.max(v.length * 2, n + xs.length));
            System.arraycopy(xs, 0, v, n, xs.length);
            n += xs.length;
        }

        double[] toArray() {
            return java.util.Arrays.copyOf(v, n);
        }
    }

    private static Map<String, Object> check(Map<String, Object> metrics, String metric, Object limit, boolean isMin)
            throws TaskFailedException {
        if (!(metrics.get(metric) instanceof Number v))
            throw new TaskFailedException("gate names unknown metric " + metric + "; known: " + metrics.keySet());
        // Templates such as {{ params.min_roc_auc }} render to text.
        double l;
        try {
            l = limit instanceof Number n ? n.doubleValue() : Double.parseDouble(String.valueOf(limit));
        } catch (NumberFormatException e) {
            throw new TaskFailedException("gate limit for " + metric + " must be a number, got \"" + limit + "\"");
        }
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("check", isMin ? "min" : "max");
        c.put("metric", metric);
        c.put("value", v.doubleValue());
        c.put("limit", l);
        c.put("passed", isMin ? v.doubleValue() >= l : v.doubleValue() <= l);
        return c;
    }

    private static double number(Map<String, Object> m, String metric) throws TaskFailedException {
        if (m.get(metric) instanceof Number n) return n.doubleValue();
        throw new TaskFailedException("champion_metric " + metric + " is not a metric; known: " + m.keySet());
    }

    private static String fmt(Object o) {
        return o instanceof Double d ? String.format(java.util.Locale.ROOT, "%.4f", d) : String.valueOf(o);
    }
}
