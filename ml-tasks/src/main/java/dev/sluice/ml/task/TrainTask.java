package dev.sluice.ml.task;

import dev.sluice.ml.Json;
import dev.sluice.ml.artifact.Artifact;
import dev.sluice.ml.artifact.ArtifactKind;
import dev.sluice.ml.data.Column;
import dev.sluice.ml.data.ColumnType;
import dev.sluice.ml.data.DatasetSchema;
import dev.sluice.ml.data.DuckDb;
import dev.sluice.ml.data.Rows;
import dev.sluice.ml.model.FeatureMatrix;
import dev.sluice.ml.model.Label;
import dev.sluice.ml.model.Metrics;
import dev.sluice.ml.model.ModelBundle;
import dev.sluice.ml.model.Predictor;
import dev.sluice.ml.model.Problem;
import dev.sluice.ml.model.Trainer;
import dev.sluice.ml.model.XgbTrainer;
import dev.sluice.ml.tracking.ExperimentLog;
import dev.sluice.ml.transform.FittedTransform;
import dev.sluice.ml.tuning.CrossValidation;
import dev.sluice.ml.tuning.HyperparameterSearch;
import dev.sluice.ml.tuning.SearchSpec;
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
 * ml.train: fits gradient boosted trees or a random forest (XGBoost), logistic or linear (ridge) regression on the
 * transformed training split and stores a model bundle (model bytes + fitted transform + input schema). Optionally
 * chooses hyperparameters first by grid or random search with k-fold cross-validation, or reports the configured
 * model's k-fold metrics. Seeded and single-path deterministic: the same data, config and seed give the same
 * chosen params and identical model bytes, hence the same artifact hash.
 */
public final class TrainTask extends MlTask {
    private static final List<ConfigField> FIELDS = with(List.of(
            ConfigField.optional(
                    "train", FieldType.STRING, null, "Transformed training split; default: upstream \"train\"."),
            ConfigField.optional(
                    "validation",
                    FieldType.STRING,
                    null,
                    "Transformed validation split for tracking metrics; default: upstream."),
            ConfigField.optional(
                    "transform",
                    FieldType.STRING,
                    null,
                    "Fitted transform the features came from; default: upstream \"transform\"."),
            ConfigField.required("label", FieldType.STRING, "Label column."),
            ConfigField.optional(
                    "problem",
                    FieldType.STRING,
                    "classification",
                    "classification (binary) | multiclass (one probability per class) | regression."),
            ConfigField.optional(
                    "positive_class",
                    FieldType.STRING,
                    null,
                    "Label value of the positive class, e.g. \">50K\" (classification)."),
            ConfigField.optional(
                    "algorithm",
                    FieldType.STRING,
                    "xgboost",
                    "xgboost | random_forest | logistic_regression (binary classification only) | linear_regression (regression only)."),
            ConfigField.optional(
                    "max_classes",
                    FieldType.INTEGER,
                    100,
                    "Most distinct label values a multiclass label may have: more usually means the wrong column."),
            ConfigField.optional("seed", FieldType.INTEGER, 42, "Random seed."),
            ConfigField.optional("rounds", FieldType.INTEGER, 200, "Boosting rounds (xgboost)."),
            ConfigField.optional(
                    "trees",
                    FieldType.INTEGER,
                    100,
                    "Trees of the forest, grown in one round and averaged (random_forest)."),
            ConfigField.optional(
                    "params",
                    FieldType.MAP,
                    Map.of(),
                    "XGBoost parameters (xgboost, random_forest), e.g. {max_depth: 6, eta: 0.1, subsample: 0.8}; random_forest defaults"
                            + " to {max_depth: 10, subsample: 0.8, colsample_bynode: 0.8, lambda: 0.00001}."),
            ConfigField.optional(
                    "l2",
                    FieldType.NUMBER,
                    1.0,
                    "L2 penalty on the weights, not the intercept (logistic_regression, linear_regression)."),
            ConfigField.optional(
                    "max_iterations", FieldType.INTEGER, 50, "Newton iterations at most (logistic_regression)."),
            ConfigField.optional(
                    "cv_folds",
                    FieldType.INTEGER,
                    null,
                    "Also cross-validate the configured model with this many folds of the training split: metrics.cv gets each"
                            + " metric's mean and std over the folds."),
            ConfigField.optional(
                    "search",
                    FieldType.MAP,
                    null,
                    "Hyperparameter search by k-fold cross-validation, then a refit of the best on the whole training split:"
                            + " {method: grid | random, params: {max_depth: [3, 5, 7]}, trials: 10 (random), folds: 5, metric,"
                            + " max_fits: 200}.")));

    @Override
    public String name() {
        return "ml.train";
    }

    @Override
    public String description() {
        return "Train XGBoost, a random forest, logistic or linear regression, optionally tuned by cross-validated search, reproducibly, into a model bundle artifact.";
    }

    @Override
    public List<ConfigField> configFields() {
        return FIELDS;
    }

    @Override
    public List<String> validate(Map<String, Object> config) {
        List<String> errors = new ArrayList<>();
        PreprocessTask.check(errors, config, "problem", "classification", "classification", "multiclass", "regression");
        PreprocessTask.check(errors, config, "algorithm", "xgboost", Trainer.ALGORITHMS.toArray(String[]::new));
        if ("logistic_regression".equals(config.get("algorithm")) && "regression".equals(config.get("problem"))) {
            errors.add(
                    "logistic_regression is for classification; use linear_regression, random_forest or xgboost for regression");
        }
        if (ModelBundle.LINEAR_REGRESSION.equals(config.get("algorithm"))
                && !"regression".equals(config.get("problem"))) {
            errors.add("algorithm: linear_regression is for problem: regression, not problem: "
                    + config.getOrDefault("problem", "classification")
                    + "; use logistic_regression, random_forest or xgboost");
        }
        if ("multiclass".equals(config.get("problem"))) {
            if ("logistic_regression".equals(config.get("algorithm"))) {
                errors.add(
                        "algorithm: logistic_regression is binary only and cannot train problem: multiclass; use algorithm: xgboost");
            }
            if (config.get("positive_class") != null
                    && !config.get("positive_class").toString().isBlank()) {
                errors.add(
                        "positive_class is for problem: classification (binary); problem: multiclass predicts every class of the label, remove positive_class");
            }
        }
        whole(errors, config, "trees", 1);
        whole(errors, config, "rounds", 1);
        Number l2 = Cfg.number(config.get("l2"));
        if (config.get("l2") != null && !Cfg.isTemplate(config.get("l2")) && (l2 == null || !(l2.doubleValue() >= 0))) {
            errors.add("l2 must be a number of at least 0, got " + config.get("l2"));
        }
        if (ModelBundle.RANDOM_FOREST.equals(config.get("algorithm"))
                && config.get("params") instanceof Map<?, ?> params) {
            forestParams(errors, params);
        }
        whole(errors, config, "cv_folds", 2);
        if (config.get("search") != null) {
            if (config.get("cv_folds") != null)
                errors.add("cv_folds and search both cross-validate: set search.folds instead of cv_folds");
            Object algorithm = config.getOrDefault("algorithm", ModelBundle.XGBOOST);
            Problem problem = null;
            try {
                problem = Problem.parse(String.valueOf(config.getOrDefault("problem", "classification")));
            } catch (IllegalArgumentException e) {
                // reported above; the search's metric is checked once the problem is known
            }
            SearchSpec.parse(
                    config.get("search"),
                    problem,
                    Trainer.ALGORITHMS.contains(algorithm) ? algorithm.toString() : null,
                    errors);
        }
        return errors;
    }

    /** A random forest needs its rows or columns sampled, and fixes its own learning rate and number of trees. */
    private static void forestParams(List<String> errors, Map<?, ?> params) {
        for (String fixed : XgbTrainer.FOREST_FIXED) {
            if (params.containsKey(fixed)) {
                errors.add("params." + fixed
                        + " is fixed for algorithm: random_forest (one round of `trees` trees, eta 1): remove it"
                        + (fixed.equals("num_parallel_tree") ? " and set trees" : ""));
            }
        }
        double[] sampled = new double[2];
        String[] names = {"subsample", "colsample_bynode"};
        for (int i = 0; i < names.length; i++) {
            Object v = params.containsKey(names[i]) ? params.get(names[i]) : XgbTrainer.FOREST_DEFAULTS.get(names[i]);
            if (Cfg.isTemplate(v)) return;
            Number n = Cfg.number(v);
            if (n == null || !(n.doubleValue() > 0 && n.doubleValue() <= 1)) {
                errors.add("params." + names[i] + " must be above 0 and at most 1, got " + v);
                return;
            }
            sampled[i] = n.doubleValue();
        }
        if (sampled[0] == 1 && sampled[1] == 1) {
            errors.add(
                    "params.subsample and params.colsample_bynode are both 1 for algorithm: random_forest: every tree would be"
                            + " the same; keep one below 1 (default 0.8)");
        }
    }

    private static void whole(List<String> errors, Map<String, Object> config, String key, int min) {
        Object v = config.get(key);
        if (v == null || Cfg.isTemplate(v)) return;
        Number n = Cfg.number(v);
        if (n == null || n.doubleValue() != Math.rint(n.doubleValue()) || n.doubleValue() < min) {
            errors.add(key + " must be a whole number of at least " + min + ", got " + v);
        }
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
                case CLASSIFICATION ->
                    binaryLabel(db, store(ctx).localPath(train), cfg.str("label"), cfg.str("positive_class", null));
                case REGRESSION -> Label.regression(cfg.str("label"));
                case MULTICLASS ->
                    multiclassLabel(db, store(ctx).localPath(train), cfg.str("label"), cfg.integer("max_classes"));
            };
            if (label.negativeClass() != null) {
                ctx.log()
                        .printf(
                                "label %s: positive class %s, negative class %s%n",
                                label.column(), label.positiveClass(), label.negativeClass());
            }
            Loaded data = load(db, store(ctx).localPath(train), label);
            ctx.log()
                    .printf(
                            "training %s on %d rows x %d features%n",
                            algorithm, data.matrix.rows(), data.matrix.cols());
            Trainer trainer = new Trainer(
                    algorithm,
                    problem,
                    label.classes() == null ? 0 : label.classes().size(),
                    cfg.map("params"),
                    cfg.integer("rounds"),
                    cfg.integer("trees"),
                    cfg.dbl("l2"),
                    cfg.integer("max_iterations"),
                    seed,
                    threads);
            HyperparameterSearch.Result search = null;
            CrossValidation cv = null;
            Predictor model;
            long t0;
            try {
                if (cfg.has("search")) {
                    List<String> searchErrors = new ArrayList<>();
                    SearchSpec spec = SearchSpec.parse(cfg.raw("search"), problem, algorithm, searchErrors);
                    if (spec == null)
                        throw new TaskFailedException("invalid ml.train config: " + String.join("; ", searchErrors));
                    search = HyperparameterSearch.run(spec, data.matrix, label, trainer, seed, ctx.log());
                    cv = search.bestTrial().cv();
                    trainer = trainer.with(search.bestTrial().params());
                    ctx.log()
                            .printf(
                                    "search chose %s (%s %.5f) in %.1f s; refitting on all %d rows%n",
                                    search.bestTrial().params(),
                                    spec.metric(),
                                    cv.mean(spec.metric()),
                                    search.seconds(),
                                    data.matrix.rows());
                } else if (cfg.has("cv_folds")) {
                    cv = CrossValidation.run(
                            data.matrix,
                            label,
                            CrossValidation.folds(data.matrix, problem, cfg.integer("cv_folds"), seed),
                            trainer);
                }
                t0 = System.nanoTime();
                model = trainer.fit(data.matrix);
            } catch (IllegalArgumentException e) {
                throw new TaskFailedException(e.getMessage());
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            Map<String, Object> params = new LinkedHashMap<>(trainer.settings());
            if (search != null) params.put("search", searchProvenance(search));
            Path mf = store(ctx).newTempFile(".model");
            Files.write(mf, model.bytes());
            Artifact modelArtifact = store(ctx)
                    .put(mf, ArtifactKind.MODEL, trainer.isXgboost() ? "application/ubjson" : "application/json");
            catalog(ctx).produced(ctx, "model", modelArtifact, null, null, null);

            Map<String, Object> metrics = new LinkedHashMap<>();
            metrics.put("train", score(model, data, label));
            if (validation != null)
                metrics.put("validation", score(model, load(db, store(ctx).localPath(validation), label), label));
            if (cv != null) metrics.put("cv", cv.summary());
            metrics.put("fit_seconds", seconds);

            ModelBundle bundle = new ModelBundle(
                    ModelBundle.FORMAT,
                    algorithm,
                    problem,
                    label,
                    data.matrix.features(),
                    modelArtifact.ref(),
                    transformRef,
                    transform.input(),
                    params,
                    seed,
                    train,
                    data.matrix.rows());
            Path bf = store(ctx).newTempFile(".json");
            Json.write(bf, bundle);
            Artifact bundleArtifact = store(ctx).put(bf, ArtifactKind.BUNDLE, "application/json");
            catalog(ctx)
                    .produced(
                            ctx,
                            "bundle",
                            bundleArtifact,
                            null,
                            transform.input().toMap(),
                            metrics);
            Map<String, Object> tracked = new LinkedHashMap<>(params);
            tracked.put("algorithm", algorithm);
            tracked.put("seed", seed);
            Map<String, Object> trackedMetrics = metrics;
            if (search != null) {
                tracked.put(
                        "search",
                        Map.of(
                                "space",
                                cfg.map("search").get("params"),
                                "method",
                                search.spec().methodName(),
                                "folds",
                                search.spec().folds(),
                                "metric",
                                search.spec().metric()));
                trackedMetrics = new LinkedHashMap<>(metrics);
                trackedMetrics.put("search", search.summary());
            }
            ExperimentLog.record(ctx, "train", tracked, trackedMetrics);

            Map<String, Object> out = new LinkedHashMap<>();
            out.put("bundle", bundleArtifact.ref());
            out.put("model", modelArtifact.ref());
            out.put("transform", transformRef);
            out.put("algorithm", algorithm);
            if (label.classes() != null) out.put("classes", label.classes());
            if (label.negativeClass() != null) {
                out.put("positive_class", label.positiveClass());
                out.put("negative_class", label.negativeClass());
            }
            out.put("rows", data.matrix.rows());
            out.put("metrics", metrics);
            if (search != null) out.put("search", search.report());
            ctx.log().printf("trained in %.2f s: %s%n", seconds, metrics);
            return TaskResult.of(out);
        }
    }

    private static Map<String, Object> score(Predictor model, Loaded d, Label label) {
        return Metrics.of(label, d.matrix.labels(), model.predict(d.matrix.data(), d.matrix.rows(), d.matrix.cols()));
    }

    /** What the bundle keeps of a search: how the params were chosen and how well they cross-validated. */
    private static Map<String, Object> searchProvenance(HyperparameterSearch.Result search) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", search.spec().methodName());
        m.put("metric", search.spec().metric());
        m.put("folds", search.spec().folds());
        m.put("candidates", search.trials().size());
        m.put("mean", search.bestTrial().cv().mean(search.spec().metric()));
        m.put("std", search.bestTrial().cv().std(search.spec().metric()));
        return m;
    }

    /**
     * A binary label whose positive and negative classes are values of the training split, named as the data
     * names them, with the column's type so predictions give those values back.
     */
    static Label binaryLabel(DuckDb db, Path parquet, String column, String positiveClass) throws Exception {
        DatasetSchema schema = db.schemaOf("SELECT * FROM " + DuckDb.parquet(parquet));
        if (schema.column(column).isEmpty())
            throw new TaskFailedException("label column " + column + " is not in " + schema.names());
        // A few more than two are enough to name what is wrong.
        List<Object> values = distinctLabels(db, parquet, column, 10);
        try {
            return Label.binary(
                    column, positiveClass, schema.column(column).get().type().lower(), values);
        } catch (IllegalArgumentException e) {
            throw new TaskFailedException(e.getMessage());
        }
    }

    private static List<Object> distinctLabels(DuckDb db, Path parquet, String column, int limit) throws Exception {
        String rel = DuckDb.parquet(parquet);
        List<Object> values = new ArrayList<>();
        String sql = "SELECT DISTINCT " + DuckDb.ident(column) + " FROM " + rel + " WHERE " + DuckDb.ident(column)
                + " IS NOT NULL LIMIT " + limit;
        try (java.sql.Statement st = db.connection().createStatement();
                java.sql.ResultSet r = st.executeQuery(sql)) {
            while (r.next()) values.add(Rows.normalise(r.getObject(1)));
        }
        return values;
    }

    /** A multiclass label whose classes are the distinct non-null values of the training split. */
    static Label multiclassLabel(DuckDb db, Path parquet, String column, int maxClasses) throws Exception {
        DatasetSchema schema = db.schemaOf("SELECT * FROM " + DuckDb.parquet(parquet));
        if (schema.column(column).isEmpty())
            throw new TaskFailedException("label column " + column + " is not in " + schema.names());
        // One more than allowed is enough to know there are too many.
        List<Object> values = distinctLabels(db, parquet, column, maxClasses + 1);
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
        if (schema.column(label.column()).isEmpty())
            throw new TaskFailedException("label column " + label.column() + " is not in " + schema.names());
        List<String> features = new ArrayList<>();
        List<String> nonNumeric = new ArrayList<>();
        for (Column c : schema.columns()) {
            if (c.name().equals(label.column())) continue;
            if (c.type() == ColumnType.NUMBER) features.add(c.name());
            else nonNumeric.add(c.name());
        }
        if (!nonNumeric.isEmpty()) {
            throw new TaskFailedException(
                    "columns " + nonNumeric + " are not numeric: encode them in ml.preprocess or ml.feature first");
        }
        // Straight from the result set into a growing float array: a million rows must not become a million maps.
        int cols = features.size();
        float[][] data = {new float[1024 * cols]};
        float[][] ys = {new float[1024]};
        int[] n = {0};
        long[] skipped = {0};
        StringBuilder select = new StringBuilder("SELECT ").append(DuckDb.ident(label.column()));
        for (String f : features)
            select.append(", CAST(").append(DuckDb.ident(f)).append(" AS DOUBLE)");
        try (java.sql.Statement st = db.connection().createStatement();
                java.sql.ResultSet r = st.executeQuery(select + " FROM " + rel)) {
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
