package dev.sluice.ml.task;

import dev.sluice.ml.artifact.Artifact;
import dev.sluice.ml.artifact.ArtifactKind;
import dev.sluice.ml.data.ColumnType;
import dev.sluice.ml.data.DatasetSchema;
import dev.sluice.ml.data.DuckDb;
import dev.sluice.ml.transform.DroppedColumn;
import dev.sluice.ml.transform.FittedTransform;
import dev.sluice.ml.transform.PreprocessFitter;
import dev.sluice.ml.transform.PreprocessSpec;
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

/**
 * ml.preprocess: fits imputation, outlier clipping, scaling and categorical encoding on the TRAINING split only,
 * stores the fitted transform as a JSON artifact and applies it unchanged to every split.
 */
public final class PreprocessTask extends MlTask {
    private static final List<ConfigField> FIELDS = with(List.of(
            ConfigField.optional(
                    "train", FieldType.STRING, null, "Training split; default: the upstream output \"train\"."),
            ConfigField.optional(
                    "validation", FieldType.STRING, null, "Validation split; default: upstream \"validation\" if any."),
            ConfigField.optional("test", FieldType.STRING, null, "Test split; default: upstream \"test\" if any."),
            ConfigField.optional("label", FieldType.STRING, null, "Label column: never transformed, carried along."),
            ConfigField.optional(
                    "numeric", FieldType.LIST, null, "Numeric columns; default: all numeric columns but the label."),
            ConfigField.optional(
                    "categorical",
                    FieldType.LIST,
                    null,
                    "Categorical columns; default: all text columns but the label."),
            ConfigField.optional(
                    "boolean",
                    FieldType.LIST,
                    null,
                    "Boolean columns, as 0/1 features (true = 1); default: all boolean columns but the label."),
            ConfigField.optional(
                    "passthrough", FieldType.LIST, List.of(), "Columns kept as they are (for ml.feature)."),
            ConfigField.optional(
                    "impute_numeric", FieldType.STRING, "median", "mean | median | most_frequent | constant | none."),
            ConfigField.optional(
                    "impute_numeric_value", FieldType.NUMBER, 0, "Fill value for impute_numeric: constant."),
            ConfigField.optional(
                    "impute_categorical", FieldType.STRING, "most_frequent", "most_frequent | constant | none."),
            ConfigField.optional(
                    "impute_categorical_value",
                    FieldType.STRING,
                    "missing",
                    "Fill value for impute_categorical: constant."),
            ConfigField.optional(
                    "impute_boolean",
                    FieldType.STRING,
                    "most_frequent",
                    "most_frequent (a tie goes to false) | none: what a missing boolean becomes."),
            ConfigField.optional(
                    "outliers",
                    FieldType.STRING,
                    "none",
                    "none | quantile | iqr | zscore: clip numeric values to bounds fitted on training."),
            ConfigField.optional(
                    "outlier_lower_quantile", FieldType.NUMBER, 0.01, "Lower clip quantile (outliers: quantile)."),
            ConfigField.optional(
                    "outlier_upper_quantile", FieldType.NUMBER, 0.99, "Upper clip quantile (outliers: quantile)."),
            ConfigField.optional(
                    "iqr_factor", FieldType.NUMBER, 1.5, "Fences at Q1 - k*IQR and Q3 + k*IQR (outliers: iqr)."),
            ConfigField.optional(
                    "zscore_threshold",
                    FieldType.NUMBER,
                    3.0,
                    "Bounds at mean ± k standard deviations (outliers: zscore)."),
            ConfigField.optional("scaling", FieldType.STRING, "standard", "none | standard | minmax | robust."),
            ConfigField.optional("encoding", FieldType.STRING, "onehot", "onehot | ordinal for categorical columns."),
            ConfigField.optional(
                    "unseen",
                    FieldType.STRING,
                    "ignore",
                    "ignore (all one-hot columns 0) | error: a category not seen in training."),
            ConfigField.optional(
                    "max_categories",
                    FieldType.INTEGER,
                    100,
                    "Keep at most this many most frequent categories per column."),
            ConfigField.optional(
                    "min_frequency", FieldType.INTEGER, 1, "Drop categories seen fewer times in training.")));

    @Override
    public String name() {
        return "ml.preprocess";
    }

    @Override
    public String description() {
        return "Fit imputation, clipping, scaling and encoding on the training split; apply to all splits.";
    }

    @Override
    public List<ConfigField> configFields() {
        return FIELDS;
    }

    @Override
    public List<String> validate(Map<String, Object> config) {
        List<String> errors = new ArrayList<>();
        check(errors, config, "impute_numeric", "median", "mean", "median", "most_frequent", "constant", "none");
        check(errors, config, "impute_categorical", "most_frequent", "most_frequent", "constant", "none");
        check(errors, config, "impute_boolean", "most_frequent", "most_frequent", "none");
        check(errors, config, "outliers", "none", "none", "quantile", "iqr", "zscore");
        check(errors, config, "scaling", "standard", "none", "standard", "minmax", "robust");
        check(errors, config, "encoding", "onehot", "onehot", "ordinal");
        check(errors, config, "unseen", "ignore", "ignore", "error");
        return errors;
    }

    static void check(List<String> errors, Map<String, Object> config, String key, String dflt, String... allowed) {
        Object v = config.getOrDefault(key, dflt);
        if (v != null && !List.of(allowed).contains(v.toString())) {
            errors.add(key + " must be one of " + String.join(", ", allowed) + ", got \"" + v + "\"");
        }
    }

    @Override
    List<String> inputKeys() {
        return List.of("train", "validation", "test");
    }

    @Override
    TaskResult run(TaskContext ctx) throws Exception {
        Cfg cfg = cfg(ctx);
        List<String> errors = validate(ctx.config());
        if (!errors.isEmpty())
            throw new TaskFailedException("invalid ml.preprocess config: " + String.join("; ", errors));
        String train = inputRef(ctx, cfg, "train", true);
        String label = cfg.str("label", null);
        try (DuckDb db = duck(ctx, cfg)) {
            String rel = DuckDb.parquet(store(ctx).localPath(train));
            DatasetSchema schema = db.schemaOf("SELECT * FROM " + rel);
            Groups g = groups(schema, label, cfg);
            PreprocessSpec spec = new PreprocessSpec(
                    g.numeric(),
                    g.categorical(),
                    g.passthrough(),
                    cfg.str("impute_numeric"),
                    cfg.dbl("impute_numeric_value"),
                    cfg.str("impute_categorical"),
                    cfg.str("impute_categorical_value"),
                    cfg.str("outliers"),
                    cfg.dbl("outlier_lower_quantile"),
                    cfg.dbl("outlier_upper_quantile"),
                    cfg.dbl("iqr_factor"),
                    cfg.dbl("zscore_threshold"),
                    cfg.str("scaling"),
                    cfg.str("encoding"),
                    cfg.str("unseen").equals("error"),
                    cfg.integer("max_categories"),
                    cfg.lng("min_frequency"),
                    g.booleans(),
                    cfg.str("impute_boolean"));
            FittedTransform t;
            try {
                t = new PreprocessFitter(db).fit(rel, schema, spec, train);
            } catch (IllegalArgumentException e) {
                throw new TaskFailedException("cannot fit preprocessing: " + e.getMessage());
            }
            List<DroppedColumn> dropped = new ArrayList<>(unselected(schema, label, g.all()));
            dropped.addAll(t.dropped());
            t = t.withDropped(dropped);
            for (DroppedColumn d : dropped)
                ctx.log().printf("column %s (%s) is not a feature: %s%n", d.column(), d.type(), d.reason());
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("transform", saveTransform(ctx, this, t));
            for (String split : List.of("train", "validation", "test")) {
                String ref = split.equals("train") ? train : inputRef(ctx, cfg, split, false);
                if (ref == null) continue;
                Datasets.Stored st = TransformApplier.applySql(
                        ctx, this, db, ref, t.input(), t.steps(), t::apply, t.output(), label, split);
                out.put(split, st.artifact().ref());
                out.put(split + "_rows", st.rows());
            }
            out.put("features", t.output().columns().size());
            out.put(
                    "dropped_columns",
                    dropped.stream().map(DroppedColumn::toMap).toList());
            ctx.log()
                    .printf(
                            "preprocessing fitted on %d training rows: %d features from %d input columns, %d column(s) dropped%n",
                            t.fittedRows(),
                            t.output().columns().size(),
                            t.input().columns().size(),
                            dropped.size());
            return TaskResult.of(out);
        }
    }

    static String saveTransform(TaskContext ctx, MlTask task, FittedTransform t) throws Exception {
        Path tmp = task.store(ctx).newTempFile(".json");
        t.save(tmp);
        Artifact a = task.store(ctx).put(tmp, ArtifactKind.TRANSFORM, "application/json");
        task.catalog(ctx)
                .produced(
                        ctx,
                        "transform",
                        a,
                        null,
                        t.output().toMap(),
                        Map.of("steps", t.steps().size(), "fitted_rows", t.fittedRows()));
        return a.ref();
    }

    /** The column groups ml.preprocess fits, each column in one group and of the group's type. */
    record Groups(List<String> numeric, List<String> categorical, List<String> booleans, List<String> passthrough) {
        java.util.Set<String> all() {
            java.util.Set<String> out = new java.util.LinkedHashSet<>(numeric);
            out.addAll(categorical);
            out.addAll(booleans);
            out.addAll(passthrough);
            return out;
        }
    }

    /** The configured groups; a group left unset takes the columns of its type that no group lists (the label aside). */
    private static Groups groups(DatasetSchema schema, String label, Cfg cfg) throws TaskFailedException {
        List<String> pass = cfg.strings("passthrough");
        List<String> listed = new ArrayList<>(pass);
        for (String g : List.of("numeric", "categorical", "boolean")) if (cfg.has(g)) listed.addAll(cfg.strings(g));
        List<String> numeric =
                cfg.has("numeric") ? cfg.strings("numeric") : others(schema.namesOf(ColumnType.NUMBER), label, listed);
        List<String> categorical = cfg.has("categorical")
                ? cfg.strings("categorical")
                : others(schema.namesOf(ColumnType.STRING), label, listed);
        List<String> booleans =
                cfg.has("boolean") ? cfg.strings("boolean") : others(schema.namesOf(ColumnType.BOOLEAN), label, listed);
        Map<String, List<String>> groups = new LinkedHashMap<>();
        groups.put("numeric", numeric);
        groups.put("categorical", categorical);
        groups.put("boolean", booleans);
        groups.put("passthrough", pass);
        Map<String, String> groupOf = new LinkedHashMap<>();
        for (var g : groups.entrySet()) {
            for (String c : g.getValue()) {
                if (schema.column(c).isEmpty())
                    throw new TaskFailedException(
                            g.getKey() + ": column " + c + " is not in the training split " + schema.names());
                String before = groupOf.putIfAbsent(c, g.getKey());
                if (before != null && !before.equals(g.getKey())) {
                    throw new TaskFailedException(
                            "column " + c + " is listed in both " + before + " and " + g.getKey() + ": list it once");
                }
            }
        }
        for (String c : categorical) {
            // Categories are matched as text; a numeric code would read "1" when fitted and "1.0" when served.
            if (schema.column(c).get().type() != ColumnType.STRING) {
                throw new TaskFailedException("categorical column " + c
                        + " is not text: cast it in ml.ingest's sql (e.g. CAST(" + c + " AS VARCHAR))");
            }
        }
        for (String c : numeric) {
            if (schema.column(c).get().type() != ColumnType.NUMBER)
                throw new TaskFailedException("numeric column " + c + " is not numeric in the training split");
        }
        for (String c : booleans) {
            if (schema.column(c).get().type() != ColumnType.BOOLEAN) {
                throw new TaskFailedException("boolean column " + c + " is "
                        + schema.column(c).get().type().lower() + " in the training split, not boolean");
            }
        }
        return new Groups(numeric, categorical, booleans, pass);
    }

    /**
     * The training split's columns that are neither the label nor in any column group, each with the reason: every
     * input column either becomes features or is named here, never silently left behind.
     */
    private static List<DroppedColumn> unselected(DatasetSchema schema, String label, java.util.Set<String> used) {
        List<DroppedColumn> out = new ArrayList<>();
        for (var c : schema.columns()) {
            if (c.name().equals(label) || used.contains(c.name())) continue;
            String reason = switch (c.type()) {
                case TIMESTAMP ->
                    "a timestamp is not a feature by itself: list it in passthrough and derive date parts with ml.feature's date_parts";
                case NUMBER -> "not listed in numeric";
                case STRING -> "not listed in categorical";
                case BOOLEAN -> "not listed in boolean";
            };
            out.add(new DroppedColumn(c.name(), c.type().lower(), reason));
        }
        return out;
    }

    private static List<String> others(List<String> cols, String label, List<String> listed) {
        return cols.stream()
                .filter(c -> !c.equals(label) && !listed.contains(c))
                .toList();
    }
}
