package dev.sluice.ml.task;

import dev.sluice.ml.data.Column;
import dev.sluice.ml.data.DatasetSchema;
import dev.sluice.ml.data.DatasetWriter;
import dev.sluice.ml.data.DuckDb;
import dev.sluice.ml.data.Rows;
import dev.sluice.task.TaskContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/** Streams a dataset through fitted steps into a new dataset, carrying the label column along unchanged. */
final class TransformApplier {
    private TransformApplier() {}

    /** Rows per call of the Java path's batch function: an embedding step encodes this many texts per call. */
    static final int BATCH_ROWS = 256;

    /** Applies steps as one DuckDB query when they all have a SQL form; {@code javaFallback} otherwise. */
    static Datasets.Stored applySql(
            TaskContext ctx,
            MlTask task,
            DuckDb db,
            String inputRef,
            DatasetSchema inSchema,
            java.util.List<dev.sluice.ml.transform.Step> steps,
            UnaryOperator<Map<String, Object>> javaFallback,
            DatasetSchema features,
            String label,
            String role)
            throws Exception {
        return applySqlBatched(
                ctx,
                task,
                db,
                inputRef,
                inSchema,
                steps,
                rows -> rows.stream().map(javaFallback).toList(),
                features,
                label,
                role);
    }

    /** {@link #applySql} with a Java path that transforms a batch of rows at a time (in order, one output each). */
    static Datasets.Stored applySqlBatched(
            TaskContext ctx,
            MlTask task,
            DuckDb db,
            String inputRef,
            DatasetSchema inSchema,
            java.util.List<dev.sluice.ml.transform.Step> steps,
            UnaryOperator<List<Map<String, Object>>> javaFallback,
            DatasetSchema features,
            String label,
            String role)
            throws Exception {
        var select = dev.sluice.ml.transform.SqlPlan.selectList(inSchema, steps, features);
        if (select.isEmpty()) return apply(ctx, task, db, inputRef, javaFallback, features, label, role);
        String rel = DuckDb.parquet(task.store(ctx).localPath(inputRef));
        if (label != null && db.schemaOf("SELECT * FROM " + rel).column(label).isEmpty()) {
            throw new IllegalArgumentException("label column " + label + " is not in the " + role + " dataset");
        }
        String sql =
                "(SELECT " + select.get() + (label == null ? "" : ", " + DuckDb.ident(label)) + " FROM " + rel + ")";
        try {
            return Datasets.storeRelation(ctx, task, db, sql, role);
        } catch (java.sql.SQLException e) {
            throw new dev.sluice.task.TaskFailedException("cannot transform the " + role + " split: " + e.getMessage());
        }
    }

    static Datasets.Stored apply(
            TaskContext ctx,
            MlTask task,
            DuckDb db,
            String inputRef,
            UnaryOperator<List<Map<String, Object>>> fn,
            DatasetSchema features,
            String label,
            String role)
            throws Exception {
        String rel = DuckDb.parquet(task.store(ctx).localPath(inputRef));
        DatasetSchema in = db.schemaOf("SELECT * FROM " + rel);
        List<Column> cols = new ArrayList<>(features.columns());
        if (label != null) {
            cols.add(in.column(label)
                    .orElseThrow(() -> new IllegalArgumentException(
                            "label column " + label + " is not in the " + role + " dataset")));
        }
        DatasetSchema outSchema = new DatasetSchema(cols);
        Path tmp = task.store(ctx).newTempFile(".parquet");
        try (DatasetWriter w = new DatasetWriter(db, outSchema)) {
            List<Map<String, Object>> batch = new ArrayList<>(BATCH_ROWS);
            Rows.RowConsumer flush = ignored -> {
                if (ctx.isCancelled()) throw new InterruptedException("cancelled");
                List<Map<String, Object>> out;
                try {
                    out = fn.apply(batch);
                } catch (dev.sluice.ml.transform.UnseenCategoryException e) {
                    throw new dev.sluice.task.TaskFailedException(
                            "cannot transform the " + role + " split: " + e.getMessage());
                }
                for (int i = 0; i < out.size(); i++) {
                    Map<String, Object> o = out.get(i);
                    if (label != null) o.put(label, batch.get(i).get(label));
                    w.append(o);
                }
                batch.clear();
            };
            Rows.forEach(db, rel, row -> {
                batch.add(row);
                if (batch.size() == BATCH_ROWS) flush.accept(null);
            });
            if (!batch.isEmpty()) flush.accept(null);
            w.finish(tmp);
        }
        return Datasets.storeFile(ctx, task, db, tmp, role);
    }
}
