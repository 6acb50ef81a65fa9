package dev.sluice.ml.task;

import static dev.sluice.ml.data.DuckDb.ident;
import static dev.sluice.ml.data.DuckDb.literal;

import dev.sluice.ml.data.DuckDb;
import dev.sluice.task.ConfigField;
import dev.sluice.task.FieldType;
import dev.sluice.task.TaskContext;
import dev.sluice.task.TaskFailedException;
import dev.sluice.task.TaskResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ml.split: train / validation / test datasets. Rows are ranked inside each stratum (the whole table unless
 * stratified) by a seeded hash of their position (random, stratified) or by a time column (time: the latest rows
 * are the test set), and cut at the ratios; so proportions are exact and the same seed gives the same split.
 */
public final class SplitTask extends MlTask {
    private static final List<ConfigField> FIELDS = with(List.of(
            ConfigField.optional(
                    "dataset", FieldType.STRING, null, "Dataset to split; default: the upstream output \"dataset\"."),
            ConfigField.optional("method", FieldType.STRING, "random", "random | stratified | time."),
            ConfigField.optional("train_ratio", FieldType.NUMBER, 0.7, "Share of rows for training."),
            ConfigField.optional(
                    "validation_ratio", FieldType.NUMBER, 0.15, "Share for validation (0 for none); the rest is test."),
            ConfigField.optional("seed", FieldType.INTEGER, 42, "Seed of the random and stratified methods."),
            ConfigField.optional(
                    "stratify_column",
                    FieldType.STRING,
                    null,
                    "Column whose class shares each split keeps (stratified)."),
            ConfigField.optional(
                    "time_column", FieldType.STRING, null, "Column ordering rows in time (method time).")));

    @Override
    public String name() {
        return "ml.split";
    }

    @Override
    public String description() {
        return "Split a dataset into train, validation and test: random, stratified or by time.";
    }

    @Override
    public List<ConfigField> configFields() {
        return FIELDS;
    }

    @Override
    public List<String> validate(Map<String, Object> config) {
        List<String> errors = new ArrayList<>();
        Object method = config.getOrDefault("method", "random");
        if (!List.of("random", "stratified", "time").contains(method))
            errors.add("method must be random, stratified or time, got \"" + method + "\"");
        if ("stratified".equals(method) && config.get("stratify_column") == null)
            errors.add("method stratified needs stratify_column");
        if ("time".equals(method) && config.get("time_column") == null) errors.add("method time needs time_column");
        if (config.get("train_ratio") instanceof Number t
                && config.getOrDefault("validation_ratio", 0.15) instanceof Number v) {
            if (t.doubleValue() <= 0 || v.doubleValue() < 0 || t.doubleValue() + v.doubleValue() >= 1) {
                errors.add("train_ratio must be > 0, validation_ratio >= 0 and their sum < 1 (the rest is test)");
            }
        }
        return errors;
    }

    @Override
    List<String> inputKeys() {
        return List.of("dataset");
    }

    @Override
    TaskResult run(TaskContext ctx) throws Exception {
        Cfg cfg = cfg(ctx);
        List<String> errors = validate(ctx.config());
        if (!errors.isEmpty()) throw new TaskFailedException("invalid ml.split config: " + String.join("; ", errors));
        String method = cfg.str("method");
        double tr = cfg.dbl("train_ratio");
        double va = cfg.dbl("validation_ratio");
        if (tr <= 0 || va < 0 || tr + va >= 1)
            throw new TaskFailedException("train_ratio + validation_ratio must be below 1");
        String ref = inputRef(ctx, cfg, "dataset", true);
        try (DuckDb db = duck(ctx, cfg)) {
            String src = "read_parquet(" + literal(store(ctx).localPath(ref).toString()) + ", file_row_number = true)";
            String partition = method.equals("stratified") ? "PARTITION BY " + ident(cfg.str("stratify_column")) : "";
            if (method.equals("stratified")
                    && db.schemaOf("SELECT * FROM " + src)
                            .column(cfg.str("stratify_column"))
                            .isEmpty()) {
                throw new TaskFailedException(
                        "stratify_column " + cfg.str("stratify_column") + " is not a column of the dataset");
            }
            // DuckDB's hash() is stable for a given DuckDB version; the row position makes it independent of content.
            String key = method.equals("time")
                    ? ident(cfg.str("time_column")) + ", file_row_number"
                    : "hash(file_row_number, " + cfg.lng("seed") + "), file_row_number";
            // Rank on a narrow projection (row position, stratum, key): Parquet reads only those columns, and the
            // sort never carries the full rows. The assignment table is kept in row order.
            db.exec("CREATE TABLE assignment AS SELECT CASE WHEN __f < " + tr + " THEN 'train' WHEN __f < " + (tr + va)
                    + " THEN 'validation' ELSE 'test' END AS __split FROM (SELECT file_row_number, (row_number() OVER ("
                    + partition
                    + " ORDER BY " + key + ") - 1)::DOUBLE / count(*) OVER (" + partition + ") AS __f FROM " + src
                    + ") ORDER BY file_row_number");
            Map<String, Object> out = new LinkedHashMap<>();
            for (String split : va > 0 ? List.of("train", "validation", "test") : List.of("train", "test")) {
                // POSITIONAL JOIN pairs the n-th row with the n-th assignment and keeps the file's row order.
                String rel = "(SELECT t.* EXCLUDE (file_row_number) FROM " + src
                        + " t POSITIONAL JOIN assignment a WHERE a.__split = '" + split + "')";
                Datasets.Stored st = Datasets.storeRelation(ctx, this, db, rel, split);
                if (st.rows() == 0)
                    throw new TaskFailedException("the " + split + " split is empty: too few rows for these ratios");
                out.put(split, st.artifact().ref());
                out.put(split + "_rows", st.rows());
            }
            out.put("method", method);
            ctx.log().printf("split %s: %s%n", method, out);
            return TaskResult.of(out);
        }
    }
}
