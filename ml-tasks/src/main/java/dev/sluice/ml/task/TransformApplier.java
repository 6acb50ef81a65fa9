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

    static Datasets.Stored apply(TaskContext ctx, MlTask task, DuckDb db, String inputRef, UnaryOperator<Map<String, Object>> fn,
                                 DatasetSchema features, String label, String role) throws Exception {
        String rel = DuckDb.parquet(task.store(ctx).localPath(inputRef));
        DatasetSchema in = db.schemaOf("SELECT * FROM " + rel);
        List<Column> cols = new ArrayList<>(features.columns());
        if (label != null) {
            cols.add(in.column(label).orElseThrow(() -> new IllegalArgumentException("label column " + label + " is not in the " + role + " dataset")));
        }
        DatasetSchema outSchema = new DatasetSchema(cols);
        Path tmp = task.store(ctx).newTempFile(".parquet");
        try (DatasetWriter w = new DatasetWriter(db, outSchema)) {
            Rows.forEach(db, rel, row -> {
                if (ctx.isCancelled()) throw new InterruptedException("cancelled");
                Map<String, Object> out = fn.apply(row);
                if (label != null) out.put(label, row.get(label));
                w.append(out);
            });
            w.finish(tmp);
        }
        return Datasets.storeFile(ctx, task, db, tmp, role);
    }
}
