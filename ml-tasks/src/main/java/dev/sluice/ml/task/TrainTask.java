package dev.sluice.ml.task;

import dev.sluice.ml.Json;
import dev.sluice.ml.artifact.Artifact;
import dev.sluice.ml.artifact.ArtifactKind;
import dev.sluice.ml.data.Column;
import dev.sluice.ml.data.ColumnType;
import dev.sluice.ml.data.DatasetSchema;
import dev.sluice.ml.data.DuckDb;
import dev.sluice.ml.data.Rows;
import dev.sluice.ml.model.ClassProbabilities;
import dev.sluice.ml.model.FeatureMatrix;
import dev.sluice.ml.model.Label;
import dev.sluice.ml.model.LogisticRegression;
import dev.sluice.ml.model.Metrics;
import dev.sluice.ml.model.ModelBundle;
import dev.sluice.ml.model.Predictor;
import dev.sluice.ml.model.Problem;
import dev.sluice.ml.model.XgbTrainer;
import dev.sluice.ml.tracking.ExperimentLog;
import dev.sluice.ml.transform.FittedTransform;
import dev.sluice.task.ConfigField;
import dev.sluice.task.FieldType;
import dev.sluice.task.TaskContext;
import dev.sluice.task.TaskFailedException;
import dev.sluice.task.TaskResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ml.train: fits gradient boosted trees (XGBoost) or logistic regression on the transformed training split and
 * stores a model bundle (model bytes + fitted transform + input schema). Seeded and single-path deterministic:
 * the same data, config and seed give identical model bytes, hence the same artifact hash.
 */
public final class TrainTask extends MlTask {
    private static final List<ConfigField> FIELDS = with(List.of(
            ConfigField.optional("train", FieldType.STRING, null, "Transformed training split; default: upstream \"train\"."),
            ConfigField.optional("validation", FieldType.STRING, null, "Transformed validation split for tracking metrics; default: upstream."),
            ConfigField.optional("transform", FieldType.STRING, null, "Fitted transform the features came from; default: upstream \"transform\"."),
            ConfigField.required("label", FieldType.STRING, "Label column."),
            ConfigField.optional("problem", FieldType.STRING, "classification",
                    "classification (binary) | multiclass (one probability per class) | regression."),
            ConfigField.optional("positive_class", FieldType.STRING, null, "Label value of the positive class, e.g. \">50K\" (classification)."),
            ConfigField.optional("algorithm", FieldType.STRING, "xgboost", "xgboost | logistic_regression (binary classification only)."),
            ConfigField.optional("max_classes", FieldType.INTEGER, 100,
                    "Most distinct label values a multiclass label may have: more usually means the wrong column."),
            ConfigField.optional("seed", FieldType.INTEGER, 42, "Random seed."),
            ConfigField.optional("rounds", FieldType.INTEGER, 200, "Boosting rounds (xgboost)."),
            ConfigField.optional("params", FieldType.MAP, Map.of(), "XGBoost parameters, e.g. {max_depth: 6, eta: 0.1, subsample: 0.8}."),
            ConfigField.optional("l2", FieldType.NUMBER, 1.0, "L2 penalty (logistic_regression)."),
            ConfigField.optional("max_iterations", FieldType.INTEGER, 50, "Newton iterations at most (logistic_regression).")));

    @Override
    public String name() {
        return "ml.train";
    }

    @Override
    public String description() {
        return "Train XGBoost or logistic regression, reproducibly, into a model bundle artifact.";
    }

    @Override
    public List<ConfigField> configFields() {
        return FIELDS;
    }

    @Override
    public List<String> validate(Map<String, Object> config) {
        List<String> errors = new ArrayList<>();
        PreprocessTask.check(errors, config, "problem", "classification", "classification", "multiclass", "regression");
        PreprocessTask.check(errors, config, "algorithm", "xgboost", "xgboost", "logistic_regression");
        if ("logistic_regression".equals(config.get("algorithm")) && "regression".equals(config.get("problem"))) {
            errors.add("logistic_regression is for classification; use xgboost for regression");
        }
        if ("multiclass".equals(config.get("problem"))) {
            if ("logistic_regression".equals(config.get("algorithm"))) {
                errors.add("algorithm: logistic_regression is binary only and cannot train problem: multiclass; use algorithm: xgboost");
            }
            if (config.get("positive_class") != null && !config.get("positive_class").toString().isBlank()) {
                errors.add("positive_class is for problem: classification (binary); problem: multiclass predicts every class of the label, remove positive_class");
            }
        }
        return errors;
    }

    @Override
    List<String> inputKeys() {
        return List.of("train", "validation", "transform");
    }

    @Override
    TaskResult run(TaskContext ctx) throws Exception {
        Cfg cfg = cfg(ctx);
        List<String> errors = validate(ctx.config());
        if (!errors.isEmpty()) throw new TaskFailedException("invalid ml.train config: " + String.join("; ", errors));
        String train = inputRef(ctx, cfg, "train", true);
        String transformRef = inputRef(ctx, cfg, "transform", true);
        String validation = inputRef(ctx, cfg, "validation", false);
        Problem problem = Problem.parse(cfg.str("problem"));
        String algorithm = cfg.str("algorithm");
        long seed = cfg.lng("seed");
        int threads = cfg.integer("threads");
        FittedTransform transform = FittedTransform.load(store(ctx).localPath(transformRef));
        try (DuckDb db = duck(ctx, cfg)) {
            Label label = switch (problem) {
                case CLASSIFICATION -> Label.binary(cfg.str("label"), cfg.str("positive_class", null));
                case REGRESSION -> Label.regression(cfg.str("label"));
                case MULTICLASS -> multiclassLabel(db, store(ctx).localPath(train), cfg.str("label"), cfg.integer("max_classes"));
            };
            Loaded data = load(db, store(ctx).localPath(train), label);
            ctx.log().printf("training %s on %d rows x %d features%n", algorithm, data.matrix.rows(), data.matrix.cols());
            long t0 = System.nanoTime();
            Predictor model;
            Map<String, Object> params = new LinkedHashMap<>();
            if (algorithm.equals(ModelBundle.XGBOOST)) {
                params.putAll(cfg.map("params"));
                params.put("rounds", cfg.integer("rounds"));
                model = problem == Problem.MULTICLASS
                        ? XgbTrainer.fitMulticlass(data.matrix, label.classes().size(), cfg.map("params"), cfg.integer("rounds"), seed, threads)
                        : XgbTrainer.fit(data.matrix, problem, cfg.map("params"), cfg.integer("rounds"), seed, threads);
            } else {
                params.put("l2", cfg.dbl("l2"));
                params.put("max_iterations", cfg.integer("max_iterations"));
                try {
                    model = LogisticRegression.fit(data.matrix, cfg.dbl("l2"), cfg.integer("max_iterations"), 1e-8);
                } catch (IllegalArgumentException e) {
                    throw new TaskFailedException(e.getMessage());
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            Path mf = store(ctx).newTempFile(".model");
            Files.write(mf, model.bytes());
            Artifact modelArtifact = store(ctx).put(mf, ArtifactKind.MODEL, algorithm.equals(ModelBundle.XGBOOST) ? "application/ubjson" : "application/json");
            catalog(ctx).produced(ctx, "model", modelArtifact, null, null, null);

            Map<String, Object> metrics = new LinkedHashMap<>();
            metrics.put("train", score(model, data, label));
            if (validation != null) metrics.put("validation", score(model, load(db, store(ctx).localPath(validation), label), label));
            metrics.put("fit_seconds", seconds);

            ModelBundle bundle = new ModelBundle(ModelBundle.FORMAT, algorithm, problem, label, data.matrix.features(),
                    modelArtifact.ref(), transformRef, transform.input(), params, seed, train, data.matrix.rows());
            Path bf = store(ctx).newTempFile(".json");
            Json.write(bf, bundle);
            Artifact bundleArtifact = store(ctx).put(bf, ArtifactKind.BUNDLE, "application/json");
            catalog(ctx).produced(ctx, "bundle", bundleArtifact, null, transform.input().toMap(), metrics);
            Map<String, Object> tracked = new LinkedHashMap<>(params);
            tracked.put("algorithm", algorithm);
            tracked.put("seed", seed);
            ExperimentLog.record(ctx, "train", tracked, metrics);

            Map<String, Object> out = new LinkedHashMap<>();
            out.put("bundle", bundleArtifact.ref());
            out.put("model", modelArtifact.ref());
            out.put("transform", transformRef);
            out.put("algorithm", algorithm);
            if (label.classes() != null) out.put("classes", label.classes());
            out.put("rows", data.matrix.rows());
            out.put("metrics", metrics);
            ctx.log().printf("trained in %.2f s: %s%n", seconds, metrics);
            return TaskResult.of(out);
        }
    }

    private static Map<String, Object> score(Predictor model, Loaded d, Label label) {
        double[] p = model.predict(d.matrix.data(), d.matrix.rows(), d.matrix.cols());
        return switch (label.problem()) {
            case CLASSIFICATION -> Metrics.classification(d.matrix.labels(), p, 0.5);
            case MULTICLASS -> Metrics.multiclass(d.matrix.labels(), new ClassProbabilities(label.classes(), p));
            case REGRESSION -> Metrics.regression(d.matrix.labels(), p);
        };
    }

    /** A multiclass label whose classes are the distinct non-null values of the training split. */
    static Label multiclassLabel(DuckDb db, Path parquet, String column, int maxClasses) throws Exception {
        String rel = DuckDb.parquet(parquet);
        DatasetSchema schema = db.schemaOf("SELECT * FROM " + rel);
        if (schema.column(column).isEmpty()) throw new TaskFailedException("label column " + column + " is not in " + schema.names());
        List<Object> values = new ArrayList<>();
        // One more than allowed is enough to know there are too many.
        String sql = "SELECT DISTINCT " + DuckDb.ident(column) + " FROM " + rel + " WHERE " + DuckDb.ident(column) + " IS NOT NULL LIMIT " + (maxClasses + 1);
        try (java.sql.Statement st = db.connection().createStatement(); java.sql.ResultSet r = st.executeQuery(sql)) {
            while (r.next()) values.add(Rows.normalise(r.getObject(1)));
        }
        if (values.size() > maxClasses) {
            throw new TaskFailedException("label " + column + " has more than max_classes (" + maxClasses
                    + ") distinct values in the training split: is it the right column? Raise max_classes if it is");
        }
        if (values.size() < 2) {
            throw new TaskFailedException("label " + column + " has " + values.size() + " distinct value(s) " + values
                    + " in the training split; problem: multiclass needs at least 2");
        }
        try {
            return Label.multiclass(column, values);
        } catch (IllegalArgumentException e) {
            throw new TaskFailedException(e.getMessage());
        }
    }

    record Loaded(FeatureMatrix matrix, long skippedLabels) {}

    /** Reads a transformed dataset into a feature matrix; rows without a label are left out. */
    static Loaded load(DuckDb db, Path parquet, Label label) throws Exception {
        String rel = DuckDb.parquet(parquet);
        DatasetSchema schema = db.schemaOf("SELECT * FROM " + rel);
        if (schema.column(label.column()).isEmpty()) throw new TaskFailedException("label column " + label.column() + " is not in " + schema.names());
        List<String> features = new ArrayList<>();
        List<String> nonNumeric = new ArrayList<>();
        for (Column c : schema.columns()) {
            if (c.name().equals(label.column())) continue;
            if (c.type() == ColumnType.NUMBER) features.add(c.name());
            else nonNumeric.add(c.name());
        }
        if (!nonNumeric.isEmpty()) {
            throw new TaskFailedException("columns " + nonNumeric + " are not numeric: encode them in ml.preprocess or ml.feature first");
        }
        // Straight from the result set into a growing float array: a million rows must not become a million maps.
        int cols = features.size();
        float[][] data = {new float[1024 * cols]};
        float[][] ys = {new float[1024]};
        int[] n = {0};
        long[] skipped = {0};
        StringBuilder select = new StringBuilder("SELECT ").append(DuckDb.ident(label.column()));
        for (String f : features) select.append(", CAST(").append(DuckDb.ident(f)).append(" AS DOUBLE)");
        try (java.sql.Statement st = db.connection().createStatement(); java.sql.ResultSet r = st.executeQuery(select + " FROM " + rel)) {
            while (r.next()) {
                float y = label.encode(Rows.normalise(r.getObject(1)));
                if (Float.isNaN(y)) {
                    skipped[0]++;
                    continue;
                }
                if (n[0] == ys[0].length) {
                    ys[0] = java.util.Arrays.copyOf(ys[0], n[0] * 2);
                    data[0] = java.util.Arrays.copyOf(data[0], n[0] * 2 * cols);
                }
                ys[0][n[0]] = y;
                int base = n[0] * cols;
                for (int c = 0; c < cols; c++) {
                    double v = r.getDouble(c + 2);
                    data[0][base + c] = r.wasNull() ? Float.NaN : (float) v;
                }
                n[0]++;
            }
        } catch (IllegalArgumentException e) {
            throw new TaskFailedException(e.getMessage());
        }
        float[] y = java.util.Arrays.copyOf(ys[0], n[0]);
        float[] x = java.util.Arrays.copyOf(data[0], n[0] * cols);
        return new Loaded(new FeatureMatrix(x, n[0], cols, y, features), skipped[0]);
    }
}
