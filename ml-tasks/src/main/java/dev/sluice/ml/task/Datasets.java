package dev.sluice.ml.task;

import dev.sluice.ml.artifact.Artifact;
import dev.sluice.ml.artifact.ArtifactKind;
import dev.sluice.ml.artifact.ArtifactStore;
import dev.sluice.ml.data.DatasetSchema;
import dev.sluice.ml.data.DuckDb;
import dev.sluice.task.TaskContext;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Storing a relation or a Parquet file as a dataset artifact and recording it in the catalog. */
final class Datasets {
    static final String PARQUET = "application/vnd.apache.parquet";

    private Datasets() {}

    /** Writes {@code relationSql} to Parquet and stores it; returns the artifact with its row count. */
    static Stored storeRelation(TaskContext ctx, MlTask task, DuckDb db, String relationSql, String role)
            throws Exception {
        ArtifactStore store = task.store(ctx);
        Path tmp = store.newTempFile(".parquet");
        db.exec("COPY (SELECT * FROM " + relationSql + ") TO " + DuckDb.literal(tmp.toString())
                + " (FORMAT parquet, COMPRESSION zstd)");
        return storeFile(ctx, task, db, tmp, role);
    }

    static Stored storeFile(TaskContext ctx, MlTask task, DuckDb db, Path parquet, String role) throws Exception {
        String rel = DuckDb.parquet(parquet);
        long rows = db.count(rel);
        DatasetSchema schema = db.schemaOf("SELECT * FROM " + rel);
        Artifact a = task.store(ctx).put(parquet, ArtifactKind.DATASET, PARQUET);
        task.catalog(ctx).produced(ctx, role, a, rows, schema.toMap(), null);
        return new Stored(a, rows, schema);
    }

    record Stored(Artifact artifact, long rows, DatasetSchema schema) {
        Map<String, Object> describe() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("ref", artifact.ref());
            m.put("rows", rows);
            m.put("bytes", artifact.bytes());
            return m;
        }
    }
}
